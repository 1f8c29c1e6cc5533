"""``compare_pairs``: score hand-picked pairs of parties (docs/resolution.md, docs/names.md).

Input is a table with ``left_*`` and ``right_*`` columns (any of ``PAIR_FIELDS``, any may be
empty); output adds ``score``, ``reasons`` and ``error``. Two models:

* ``default`` (no data needed): the shipped name model plus fixed field weights (adjudicate.py);
* ``trained``: the Splink model ``ringfence resolve`` learnt, on DuckDB, with the term frequencies
  saved at training, so a common name weighs as little here as it did in resolution.

A row that cannot be scored (an unknown schema) gets an empty score and its ``error`` (file, row,
field, reason); every other row is still scored. An optional value that does not clean (a phone
that is not one) is left out of the comparison and said so in ``reasons``.
"""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ringfence.errors import InputFileError, LimitError, UserError
from ringfence.model import types
from ringfence.model.types import InvalidValue
from ringfence.resolve.adjudicate import score_pair
from ringfence.resolve.explain import format_weight
from ringfence.resolve.names import check_schema, relation
from ringfence.resolve.names.schemas import DEFAULT_SCHEMA, RELATION_BITS
from ringfence.resolve.prepare import clean_code
from ringfence.resolve.screen.clean import address_key
from ringfence.settings import Settings

PAIR_FIELDS = (
    "name", "street", "city", "postcode", "country", "phone", "email", "identifier",
    "bank_account", "schema", "birth_date",
)  # fmt: skip
MODELS = ("default", "trained")
# Column read_pairs_csv adds for rows it could not split into the header's fields.
ROW_ERROR = "__row_error"
Record = dict[str, Any]


def read_pairs_csv(path: Path) -> pd.DataFrame:
    """Read a pairs CSV as text; a file that cannot be read is one ``InputFileError`` line.

    A row with more or fewer fields than the header is kept, blank, with its problem in the
    ``ROW_ERROR`` column: compare_pairs reports it by number and scores the others.
    """
    if not path.is_file():
        raise InputFileError("no such file", file=str(path))
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(f"not a readable CSV file ({exc})", file=str(path)) from None
    if not rows:
        raise InputFileError("not a readable CSV file (no header row)", file=str(path))
    header, body = rows[0], [r for r in rows[1:] if r]
    problems = [
        "" if len(r) == len(header)
        else InputFileError(f"{len(r)} fields where the header has {len(header)}",
                            file=str(path), row=number).message
        for number, r in enumerate(body, start=1)
    ]  # fmt: skip
    frame = pd.DataFrame(
        [r if len(r) == len(header) else [""] * len(header) for r in body],
        columns=header,
        dtype=str,
    )
    if any(problems):
        frame[ROW_ERROR] = problems
    sides = {c.split("_", 1)[1] for c in frame.columns if c.startswith(("left_", "right_"))}
    if not sides & set(PAIR_FIELDS):
        raise InputFileError(
            "needs left_* and right_* columns, e.g. left_name,right_name "
            f"(fields: {', '.join(PAIR_FIELDS)})",
            file=str(path),
        )
    return frame


def compare_pairs(
    settings: Settings, pairs: pd.DataFrame, source: str = "pairs", model: str = "default"
) -> pd.DataFrame:
    """``pairs`` with ``score``, ``reasons`` and ``error`` added, in the same row order.

    ``model="trained"`` raises ``NotFoundError`` if ``ringfence resolve`` never trained one.
    """
    if model not in MODELS:
        raise UserError(f"--model must be one of {', '.join(MODELS)}, not {model!r}")
    if len(pairs) > settings.max_rows:
        raise LimitError(f"{source}: {len(pairs):,} pairs, more than RINGFENCE_MAX_ROWS "
                         f"({settings.max_rows:,})")  # fmt: skip
    broken = list(pairs[ROW_ERROR]) if ROW_ERROR in pairs.columns else [""] * len(pairs)
    pairs = pairs.drop(columns=[ROW_ERROR], errors="ignore")
    rows = pairs.to_dict("records")
    cleaned = [
        ({}, {}, [], broken[number - 1]) if broken[number - 1] else _clean_row(raw, number, source)
        for number, raw in enumerate(rows, start=1)
    ]
    good = [i for i, (_, _, _, error) in enumerate(cleaned) if not error]
    scores: dict[int, tuple[float, list[str]]] = {}
    if model == "default":
        for i in good:
            left, right, _, _ = cleaned[i]
            result = score_pair(left, right)
            scores[i] = (result.score, result.reasons)
    elif good:
        sides = [(cleaned[i][0], cleaned[i][1]) for i in good]
        scores = _trained_scores(settings, sides, good)
        for i, (left, right) in zip(good, sides, strict=True):
            scores[i] = _with_schemas(*scores[i], left["schema"], right["schema"])
    else:
        from ringfence.resolve.model import load_model

        load_model(settings)  # no model: the same NotFoundError as with good rows
    out = pairs.copy()
    out["score"] = [round(scores[i][0], 6) if i in scores else math.nan for i in range(len(rows))]
    out["reasons"] = [
        "; ".join([*scores[i][1], *cleaned[i][2]]) or "no field to compare" if i in scores else ""
        for i in range(len(rows))
    ]
    out["error"] = [cleaned[i][3] for i in range(len(rows))]
    return out


def _clean_row(raw: dict[str, Any], row: int, source: str) -> tuple[Record, Record, list, str]:
    """(left, right, notes, error) of one input row; ``error`` is "" when the row is usable."""
    sides: list[Record] = []
    notes: list[str] = []
    for side in ("left", "right"):
        record = {f: str(raw.get(f"{side}_{f}") or "").strip() or None for f in PAIR_FIELDS}
        try:
            record["schema"] = check_schema(record["schema"] or DEFAULT_SCHEMA)
        except ValueError as exc:
            error = InputFileError(str(exc), file=source, row=row, field=f"{side}_schema")
            return {}, {}, [], error.message
        notes += _clean_values(record, side)
        sides.append(record)
    return sides[0], sides[1], notes, ""


def _clean_values(record: Record, side: str) -> list[str]:
    """Country, phone, e-mail and date of birth through the value types (a bad one is left
    out, with a note); identifier and bank account as codes; street and postcode as the
    address key."""
    notes = []
    for field, value_type in (
        ("country", types.country),
        ("phone", types.phone),
        ("email", types.email),
        ("birth_date", types.birth_date),
    ):
        raw = record[field]
        if not raw:
            continue
        try:
            record[field] = value_type.clean(raw, record["country"] if field == "phone" else None)
        except InvalidValue as exc:
            record[field] = None
            notes.append(f"{side} {field} not used: {exc}")
    record["raw_identifier"] = record["identifier"]
    record["raw_bank_account"] = record["bank_account"]
    record["identifier"] = clean_code(record["identifier"])
    record["bank_account"] = clean_code(record["bank_account"])
    record["address"] = address_key(record["street"], record["postcode"])
    return notes


def _trained_scores(
    settings: Settings, sides: list[tuple[Record, Record]], rows: list[int]
) -> dict[int, tuple[float, list[str]]]:
    """Splink's match probability and reasons for each usable row (blocked exactly as given)."""
    from splink import DuckDBAPI, Linker

    from ringfence.resolve.explain import pair_reasons
    from ringfence.resolve.model import (
        explain_columns,
        load_common_words,
        load_hubs,
        load_model,
    )
    from ringfence.resolve.prepare import mark_hubs, mark_rare_words, prepare_mentions

    model, tfs = load_model(settings)
    ids = [f"{i:09d}" for i in range(len(sides))]
    records = pd.DataFrame(
        [_splink_record(left, "L" + i) for (left, _), i in zip(sides, ids, strict=True)]
        + [_splink_record(right, "R" + i) for (_, right), i in zip(sides, ids, strict=True)]
    )
    cleaned = prepare_mentions(pa.Table.from_pandas(records, preserve_index=False))
    cleaned = mark_hubs(cleaned, load_hubs(settings))
    common = load_common_words(settings)
    if common is not None:
        cleaned = mark_rare_words(cleaned, common)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(cleaned), explain_columns(model), log_level=None)
    logging.getLogger("splink").setLevel(logging.ERROR)
    for column, table in tfs.items():
        linker.table_management.register_term_frequency_lookup(db_api.register(table), column)
    blocked = pa.table(
        {
            "match_key": ["0"] * len(ids),
            "join_key_l": ["L" + i for i in ids],
            "join_key_r": ["R" + i for i in ids],
        }
    )
    linker.table_management.register_blocked_pairs_for_predict(db_api.register(blocked))
    scored = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    scored["k"] = scored["unique_id_l"].str[1:].astype(int)
    by_k = scored.set_index("k")
    return {
        row: (
            float(by_k.at[k, "match_probability"]),
            pair_reasons(by_k.loc[k].to_dict()),
        )
        for k, row in enumerate(rows)
    }


def _with_schemas(
    probability: float, reasons: list[str], left: str, right: str
) -> tuple[float, list[str]]:
    """Splink's probability with the schemas' relation bits added (resolution has no schema
    comparison; a person is still never a vessel)."""
    bits = RELATION_BITS[relation(left, right)]
    if not bits:
        return probability, reasons
    p = min(max(probability, 1e-12), 1 - 1e-12)
    logit = math.log(p / (1 - p)) + bits * math.log(2.0)
    reason = f"schemas {left} and {right}: {relation(left, right)} ({format_weight(bits)})"
    return 1.0 / (1.0 + math.exp(-logit)), [reason, *reasons]


def _splink_record(record: Record, record_id: str) -> Record:
    """A cleaned side in the ``parties`` columns resolution's preparation reads."""
    out = {f: record.get(f) for f in PAIR_FIELDS}
    out["identifier"] = record.get("raw_identifier")
    out["bank_account"] = record.get("raw_bank_account")
    out["id"] = record_id
    return out
