"""Reading parties files and reading/writing encoding and pair files.

Encodings are Parquet by default, with the encoding parameters and the secret check in the file
metadata; a ``.jsonl``/``.ndjson`` name gives JSON lines whose first line carries that metadata.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from ringfence.errors import InputFileError
from ringfence.resolve.pprl.encode import encoding_schema
from ringfence.resolve.pprl.name_block import NAME_KEY_COUNT, WORD_KEY_COUNT
from ringfence.resolve.pprl.params import params_from_metadata
from ringfence.service.exports import write_csv

_JSON_SUFFIXES = (".jsonl", ".ndjson")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_HEADER_KEY = "ringfence_pprl"


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in _PARQUET_SUFFIXES:
        return "parquet"
    return "json" if last in _JSON_SUFFIXES else "csv"


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def read_parties(path: Path) -> pa.Table:
    """A parties file (canonical columns; CSV, Parquet or JSON lines) with every column text.

    Text on purpose: type inference would turn the phone ``030 1234567`` or the id ``007``
    into numbers and lose their leading zeros.
    """
    table = _read_text_table(path)
    if "id" not in table.column_names:
        raise InputFileError(
            "no 'id' column; a parties file needs id and any of name, street, city, postcode, "
            "country, phone, email, identifier, bank_account",
            file=str(path),
            field="id",
        )
    _refuse_blank(table, "id", path)
    refuse_duplicate_ids(table, path)
    return table


def refuse_duplicate_ids(table: pa.Table, path: Path) -> None:
    """An id must name one record of its file: two records under one id would be one record
    to every output (pairs, entities) and join whatever either of them matches."""
    seen: dict[str, int] = {}
    for row, value in enumerate(table.column("id").to_pylist(), 1):
        first = seen.setdefault(value, row)
        if first != row:
            raise InputFileError(
                f"id {value!r} repeats record {first}: ids must be unique within a file",
                file=str(path),
                row=row,
                field="id",
            )


def read_matches(path: Path) -> list[tuple[str, str]]:
    """Known matches for ``pprl fit``: a CSV, Parquet or JSON-lines file with ``left_id`` and
    ``right_id`` (other columns ignored)."""
    table = _read_text_table(path)
    for name in ("left_id", "right_id"):
        if name not in table.column_names:
            raise InputFileError(
                f"no '{name}' column; a matches file needs left_id and right_id",
                file=str(path),
                field=name,
            )
        _refuse_blank(table, name, path)
    lefts = [v.strip() for v in table.column("left_id").to_pylist()]
    rights = [v.strip() for v in table.column("right_id").to_pylist()]
    return list(zip(lefts, rights, strict=True))


def _refuse_blank(table: pa.Table, name: str, path: Path) -> None:
    values = table.column(name)
    blank = pc.or_kleene(pc.is_null(values), pc.equal(pc.utf8_trim_whitespace(values), ""))
    if pc.any(blank).as_py():
        first = pc.index(blank, True).as_py()
        raise InputFileError(f"empty {name}", file=str(path), row=first + 1, field=name)


_ID_COLUMNS = ("id", "left_id", "right_id")


def _refuse_numeric_ids(table: pa.Table, path: Path) -> None:
    """Ids that JSON reading made floating point (a fraction, or a number too large for 64
    bits anywhere in the column) would come back as text of a float (``1.2345678901234568e+29``);
    strings and whole numbers are kept exactly."""
    for name in _ID_COLUMNS:
        if name in table.column_names and not (
            pa.types.is_string(table.schema.field(name).type)
            or pa.types.is_integer(table.schema.field(name).type)
            or pa.types.is_null(table.schema.field(name).type)
        ):
            raise InputFileError(
                "ids must be JSON strings (in quotes) or whole numbers that fit 64 bits; "
                "others lose digits",
                file=str(path),
                field=name,
            )


def _read_text_table(path: Path) -> pa.Table:
    """A CSV, Parquet or JSON-lines file with every column cast to text."""
    if not path.is_file():
        raise InputFileError("file not found", file=str(path))
    kind = _kind(path)
    try:
        if kind == "parquet":
            table = pq.read_table(path)
        elif kind == "json":
            table = pajson.read_json(path)
            _refuse_numeric_ids(table, path)
        else:
            with pacsv.open_csv(path) as reader:
                names = reader.schema.names
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
                ),
            )
        table = table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read as {kind}: {_reason(exc)}", file=str(path)) from None
    return table


def write_encodings(table: pa.Table, path: Path) -> None:
    """Write encodings as Parquet, or JSON lines when the name ends in .jsonl/.ndjson."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if _kind(path) == "json":
            _write_encodings_json(table, path)
        else:
            pq.write_table(table, path)
    except OSError as exc:
        raise InputFileError(f"cannot write: {_reason(exc)}", file=str(path)) from None


def _write_encodings_json(table: pa.Table, path: Path) -> None:
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({_HEADER_KEY: meta}) + "\n")
        filters = _filter_columns(table.schema)
        for row in table.to_pylist():
            for name in filters:
                row[name] = base64.b64encode(row[name]).decode("ascii")
            out.write(json.dumps(row) + "\n")


def _filter_columns(schema: pa.Schema) -> list[str]:
    """The Bloom-filter columns (the CLK and any field filters): bytes, base64 in JSON."""
    return [f.name for f in schema if pa.types.is_fixed_size_binary(f.type)]


def read_encodings(path: Path) -> pa.Table:
    """Read an encodings file written by ``write_encodings`` (metadata checked, not trusted;
    ids non-empty and unique)."""
    table = _read_encodings(path)
    _refuse_blank(table, "id", path)
    refuse_duplicate_ids(table, path)
    return table


def _read_encodings(path: Path) -> pa.Table:
    if not path.is_file():
        raise InputFileError("file not found", file=str(path))
    try:
        if _kind(path) == "json":
            return _read_encodings_json(path)
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(f"not a PPRL encodings file: {_reason(exc)}", file=str(path)) from None
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    params = params_from_metadata(meta, str(path))
    expected = encoding_schema(params)
    if not table.schema.remove_metadata().equals(expected):
        raise InputFileError(
            f"columns are not those of a PPRL encoding: {', '.join(table.column_names)}",
            file=str(path),
        )
    _check_key_counts(table, path)
    return table


def _check_key_counts(table: pa.Table, path: Path, lines: list[int] | None = None) -> None:
    """With ``name_key_max_share`` each record says how many of its block keys are its name's
    one-word keys and its name's keys: 0 <= words <= name keys <= block keys, else the first
    row that breaks it is refused (``lines``: each record's line in the file; else row i + 1)."""
    if NAME_KEY_COUNT not in table.column_names:
        return
    keys = pc.list_value_length(table.column("block_keys")).to_numpy(zero_copy_only=False)
    words = table.column(WORD_KEY_COUNT).to_numpy()
    names = table.column(NAME_KEY_COUNT).to_numpy()
    for field, bad in ((WORD_KEY_COUNT, (words < 0) | (words > names)),
                       (NAME_KEY_COUNT, names > keys)):  # fmt: skip
        if bad.any():
            raise InputFileError(
                "a count of keys out of range: 0 <= word_key_count <= name_key_count <= "
                "the record's block keys",
                file=str(path), field=field,
                row=lines[int(bad.argmax())] if lines else int(bad.argmax()) + 1,
            )  # fmt: skip


def _read_encodings_json(path: Path) -> pa.Table:
    with path.open(encoding="utf-8") as lines:
        header = json.loads(lines.readline() or "{}")
        if not isinstance(header, dict) or _HEADER_KEY not in header:
            raise ValueError("first line holds no encoding parameters")
        meta = {str(k): str(v) for k, v in header[_HEADER_KEY].items()}
        params = params_from_metadata(meta, str(path))
        rows = [(number, json.loads(line)) for number, line in enumerate(lines, 2) if line.strip()]
    schema = encoding_schema(params).with_metadata(meta)
    for number, row in rows:
        _check_encoding_row(row, schema, path, number)
    table = pa.Table.from_pylist([row for _, row in rows], schema=schema)
    _check_key_counts(table, path, [number for number, _ in rows])
    return table


def _check_encoding_row(row: object, schema: pa.Schema, path: Path, number: int) -> None:
    """One JSON-lines encoding: exactly the schema's fields, required ones present, filters
    base64 of the right length (decoded in place)."""
    if not isinstance(row, dict):
        raise InputFileError("not a JSON object", file=str(path), row=number)
    extra = set(row) - set(schema.names)
    if extra:
        field = sorted(extra)[0]
        raise InputFileError("not a field of these encodings", file=str(path), row=number,
                             field=field)  # fmt: skip
    for field in schema:
        if row.get(field.name) is None and not field.nullable:
            raise InputFileError("missing value", file=str(path), row=number, field=field.name)
    for name in _filter_columns(schema):
        try:
            row[name] = base64.b64decode(row[name], validate=True)
        except (ValueError, TypeError):
            raise InputFileError("not base64", file=str(path), row=number, field=name) from None
        if len(row[name]) != schema.field(name).type.byte_width:
            raise InputFileError(
                f"{len(row[name])} bytes, expected {schema.field(name).type.byte_width}",
                file=str(path),
                row=number,
                field=name,
            )


def write_pairs(table: pa.Table, path: Path) -> None:
    """Write match pairs or entities as Parquet (.parquet, .pq) or CSV (.csv); CSV cells that a
    spreadsheet would run as a formula (an id ``=HYPERLINK(...)`` from a partner's file) get a
    leading ``'`` (``service.exports.neutralise_cell``)."""
    suffix = path.suffix.lower()
    if suffix not in (*_PARQUET_SUFFIXES, ".csv"):
        raise InputFileError(
            f"unknown output format {suffix or '(no suffix)'!r}: name it .csv or .parquet",
            file=str(path),
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix in _PARQUET_SUFFIXES:
            pq.write_table(table, path)
        else:
            with path.open("w", encoding="utf-8", newline="") as handle:
                rows = (r.values() for batch in table.to_batches() for r in batch.to_pylist())
                write_csv(handle, table.column_names, rows)
    except OSError as exc:
        raise InputFileError(f"cannot write: {_reason(exc)}", file=str(path)) from None
