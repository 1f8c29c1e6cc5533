"""The slow but unbreakable CSV reader, used when Arrow's fast parser gives up on a file.

Arrow stops at some damage (a malformed row that is not valid UTF-8, for one). Then the rows not
yet delivered are read again with Python's ``csv`` module, one record at a time, so that every row
still reaches the accepted records or the quarantine with its own number and reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from ringfence.ingest.limits import NO_LIMITS, InputLimits, open_limited
from ringfence.ingest.mapping import FormatOptions

_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by the surrogateescape error handler


def records(
    path: Path, fmt: FormatOptions, limits: InputLimits = NO_LIMITS
) -> Iterator[list[str]]:
    """Every non-blank record of the file after ``skip_rows``, header included if there is one.

    The file is read under ``limits``: a record can be no longer than a line may be.
    """
    csv.field_size_limit(sys.maxsize)
    raw = io.BufferedReader(open_limited(path, limits))
    # Like Arrow's reader, drop a byte-order mark (spreadsheets write one).
    utf8 = codecs.lookup(fmt.encoding).name == "utf-8"
    encoding = "utf-8-sig" if utf8 else fmt.encoding
    text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
    if fmt.quote:
        reader = csv.reader(text, delimiter=fmt.delimiter, quotechar=fmt.quote, strict=False)
    else:
        reader = csv.reader(text, delimiter=fmt.delimiter, quoting=csv.QUOTE_NONE, strict=False)
    with text:
        for index, record in enumerate(reader):
            if index >= fmt.skip_rows and record:
                yield record


def header(path: Path, fmt: FormatOptions, limits: InputLimits = NO_LIMITS) -> list[str] | None:
    """Column names: the header record, the mapping's names, or ``f0, f1, ...``."""
    first = next(records(path, fmt, limits), None)
    if first is None:
        return None
    if fmt.header:
        return [_UNDECODABLE.sub("\ufffd", name) for name in first]
    return list(fmt.columns) if fmt.columns else [f"f{i}" for i in range(len(first))]


def _problem(record: list[str], width: int) -> str | None:
    if len(record) != width:
        return f"expected {width} fields, found {len(record)}"
    if any(_UNDECODABLE.search(value) for value in record):
        return "bytes that are not valid text in the file's encoding (see format.encoding)"
    return None


def batches(
    path: Path, fmt: FormatOptions, columns: list[str], start_row: int, batch_rows: int,
    limits: InputLimits = NO_LIMITS,
) -> Iterator[tuple[pa.Table, pa.Array, list[tuple[int, str, str]]]]:
    """Data rows from ``start_row`` on: (table of good rows, their numbers, bad rows)."""
    rows = records(path, fmt, limits)
    if fmt.header:
        next(rows, None)
    good: list[list[str]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str, str]] = []
    for number, record in enumerate(rows, start=1):
        if number < start_row:
            continue
        reason = _problem(record, len(columns))
        if reason:
            line = fmt.delimiter.join(_UNDECODABLE.sub("\ufffd", v) for v in record)
            bad.append((number, reason, json.dumps({"_line": line})))
        else:
            good.append(record)
            numbers.append(number)
        if len(good) + len(bad) >= batch_rows:
            yield _table(columns, good), pa.array(numbers, pa.int64()), bad
            good, numbers, bad = [], [], []
    if good or bad:
        yield _table(columns, good), pa.array(numbers, pa.int64()), bad


def _table(columns: list[str], good: list[list[str]]) -> pa.Table:
    # Arrow's reader turns empty fields into nulls; do the same so both readers agree.
    return pa.table({name: pa.array([r[i] or None for r in good], pa.string())
                     for i, name in enumerate(columns)})
