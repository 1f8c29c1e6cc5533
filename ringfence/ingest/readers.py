"""Readers: stream an input file (CSV, Parquet, JSON lines; gzip too) as batches of raw text.

Every reader yields ``RawBatch`` objects: an Arrow table whose columns are all strings (the raw
values, untouched), the data row number of each table row (1 = first data row), and the rows that
could not be read at all (wrong number of fields, undecodable bytes, bad JSON) with a reason. A
reader never holds the whole file and never raises for a bad row: the bad row travels on to the
quarantine so that nothing read is lost.
"""

from __future__ import annotations

import io
import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.errors import InputFileError
from ringfence.ingest.csv_source import CsvSource
from ringfence.ingest.limits import NO_LIMITS, InputLimits, check_rows, open_limited
from ringfence.ingest.mapping import FormatOptions
from ringfence.ingest.parquet_source import ParquetSource
from ringfence.ingest.source import BadRow, RawBatch, Source, rest_unreadable

__all__ = ["BadRow", "CsvSource", "RawBatch", "Source", "file_type", "open_source"]


def file_type(path: Path, fmt: FormatOptions) -> str:
    """The file's type: the mapping's ``format.type`` or else its extension."""
    if fmt.type:
        return fmt.type
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".json", ".jsonl") and suffixes[-2:-1] == [".ftm"]:
        return "ftm"  # FollowTheMoney entities: NAME.ftm.json / NAME.ftm.jsonl
    if ext in (".csv", ".tsv", ".txt"):
        return "csv"
    if ext in (".parquet", ".pq"):
        return "parquet"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise InputFileError(
        "cannot tell the file type from its name; use .csv, .parquet or .jsonl (optionally .gz) "
        "or set format.type in a mapping",
        file=str(path),
    )


def open_source(
    path: Path,
    fmt: FormatOptions,
    batch_rows: int,
    limits: InputLimits = NO_LIMITS,
    feed: str | None = None,
    report_bad: bool = True,
) -> Source:
    """Open ``path`` for streaming; its ``columns`` are known before the first batch is read.

    The file is read under ``limits`` (decompressed bytes, line length, rows): past one, reading
    stops with ``LimitError`` naming the file and the setting. FtM entities (type ``ftm``) are
    read as rows of ``feed``; without ``report_bad`` their unreadable lines are left to the
    run of another feed over the same file.
    """
    if not path.is_file():
        raise InputFileError("no such file", file=str(path))
    kind = file_type(path, fmt)
    if kind == "ftm":
        from ringfence.ftm.source import FtmSource

        ftm = FtmSource(path, feed or "parties", batch_rows, limits, report_bad)
        return _RowLimited(ftm, limits, path.name)
    if kind == "csv":
        source: Source = CsvSource(path, fmt, batch_rows, limits)
    elif kind == "parquet":
        source = ParquetSource(path, batch_rows, limits)
    else:
        source = JsonLinesSource(path, fmt, batch_rows, limits)
    return _RowLimited(source, limits, path.name)


class _RowLimited(Source):
    """A source whose batches stop with ``LimitError`` past the row limit."""

    def __init__(self, inner: Source, limits: InputLimits, file: str) -> None:
        self.inner, self.limits, self.file = inner, limits, file
        self.columns = inner.columns

    def batches(self) -> Iterator[RawBatch]:
        return check_rows(self.inner.batches(), self.limits, self.file)

    def notes(self) -> list[str]:
        return self.inner.notes()


class JsonLinesSource(Source):
    """JSON lines: one object per line; columns are the keys seen in the first chunk of lines."""

    def __init__(
        self, path: Path, fmt: FormatOptions, batch_rows: int, limits: InputLimits = NO_LIMITS
    ) -> None:
        self.path, self.fmt, self.batch_rows, self.limits = path, fmt, batch_rows, limits
        chunks = self._chunks()
        first = next(chunks, None)
        chunks.close()
        self._first = first
        keys: dict[str, None] = {}
        for obj in first[0] if first else []:
            if obj is not None:
                keys.update(dict.fromkeys(obj))
        self.columns = list(keys) if first else None

    def _open(self) -> Any:
        return io.BufferedReader(open_limited(self.path, self.limits))

    def _chunks(self) -> Generator[tuple[list[dict[str, Any] | None], list[BadRow]], None, None]:
        objects: list[dict[str, Any] | None] = []
        bad: list[BadRow] = []
        row = 0
        with self._open() as handle:
            try:
                for line in handle:
                    if not line.strip():
                        continue
                    row += 1
                    obj, reason = parse_json_line(line, self.fmt.encoding)
                    objects.append(obj)
                    if reason:
                        bad.append(BadRow(row, reason, json.dumps(
                            {"_line": line.decode(self.fmt.encoding, "replace")[:10_000]})))
                    if len(objects) >= self.batch_rows:
                        yield objects, bad
                        objects, bad = [], []
            except (OSError, EOFError) as exc:  # a truncated or corrupt gzip stream
                objects.append(None)
                bad.append(rest_unreadable(row + 1, exc))
        if objects:
            yield objects, bad

    def batches(self) -> Iterator[RawBatch]:
        if self._first is None:
            return
        next_row = 1
        chunks = self._chunks()
        for objects, bad in chunks:
            numbers = np.arange(next_row, next_row + len(objects))
            next_row += len(objects)
            good = [i for i, obj in enumerate(objects) if obj is not None]
            columns = self.columns or []
            table = pa.table({
                c: pa.array([_json_text(objects[i].get(c)) for i in good  # type: ignore[union-attr]
                             ], pa.string()) for c in columns
            }) if columns else pa.table({"_": pa.nulls(len(good), pa.string())}).drop(["_"])
            yield RawBatch(table, pa.array(numbers[good], pa.int64()), bad)


def parse_json_line(line: bytes, encoding: str) -> tuple[dict[str, Any] | None, str | None]:
    """One JSON line as an object, or None and the reason it is not one."""
    try:
        text = line.decode(encoding).lstrip("\ufeff")  # a byte-order mark is not data
    except UnicodeDecodeError:
        return None, f"bytes that are not valid {encoding} text"
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg}"
    except ValueError as exc:  # e.g. numbers too long to convert
        return None, f"not valid JSON: {exc}"
    except RecursionError:  # "[[[[..." a hundred thousand deep
        return None, "not valid JSON: nested too deeply"
    if not isinstance(obj, dict):
        return None, "a JSON line must be an object"
    try:  # "\ud800" escapes decode to strings that cannot be stored as text
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return None, "text with an unpaired surrogate escape (not valid Unicode)"
    return obj, None


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
