"""CSV through Arrow's streaming reader: every column read as bytes, then checked to be UTF-8.

Malformed rows (wrong number of fields) come back through Arrow's invalid-row handler with their
number; where Arrow gives up altogether, the salvage reader takes over from the first row not yet
delivered.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ringfence.errors import InputFileError
from ringfence.ingest import salvage
from ringfence.ingest.limits import NO_LIMITS, InputLimits, open_limited
from ringfence.ingest.mapping import FormatOptions
from ringfence.ingest.source import BadRow, RawBatch, Source, empty_table, rest_unreadable


def _ignore_undecodable_invalid_rows() -> None:
    """Silence Arrow's report of a malformed row it cannot decode to show to our handler.

    Arrow then stops parsing, and the salvage reader takes over and quarantines that row with a
    reason; without this, Python would print the ignored exception (a traceback) on stderr.
    """
    previous = sys.unraisablehook
    if getattr(previous, "_ringfence", False):
        return

    def hook(info: Any) -> None:
        if isinstance(info.exc_value, UnicodeDecodeError) and getattr(
            info.object, "__func__", None
        ) is CsvSource._on_invalid_row:
            return
        previous(info)

    hook._ringfence = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


class CsvSource(Source):
    """CSV through pyarrow's streaming reader; every column read as bytes, then checked UTF-8."""

    def __init__(
        self, path: Path, fmt: FormatOptions, batch_rows: int, limits: InputLimits = NO_LIMITS
    ) -> None:
        _ignore_undecodable_invalid_rows()
        self.path, self.fmt, self.batch_rows, self.limits = path, fmt, batch_rows, limits
        self._bad: list[BadRow] = []
        self._slow = False
        self.columns = self._read_header()

    def _read_options(self, block_size: int) -> pacsv.ReadOptions:
        names = self.fmt.columns if not self.fmt.header else None
        return pacsv.ReadOptions(
            use_threads=False,  # row numbers of malformed rows are only known single-threaded
            block_size=block_size,
            skip_rows=self.fmt.skip_rows,
            column_names=names,
            autogenerate_column_names=not self.fmt.header and not names,
            encoding=self.fmt.encoding,
        )

    def _parse_options(self) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(
            delimiter=self.fmt.delimiter,
            quote_char=self.fmt.quote or False,
            newlines_in_values=True,
            invalid_row_handler=self._on_invalid_row,
        )

    def _stream(self) -> Any:
        return open_limited(self.path, self.limits)

    def _read_header(self) -> list[str] | None:
        try:
            reader = pacsv.open_csv(
                self._stream(),
                read_options=self._read_options(1 << 20),
                parse_options=self._parse_options(),
            )
            names: list[str] | None = list(reader.schema.names)
            reader.close()
        except (pa.ArrowInvalid, UnicodeDecodeError):
            # Arrow cannot read even the start of this file. It says "Empty CSV file" also when
            # its first block holds no line break: the record reader, under the line-length
            # limit, tells an empty file from one endless line (a gzip of zeros).
            self._slow = True
            names = salvage.header(self.path, self.fmt, self.limits)
        self._bad.clear()
        if names is None:
            return None
        seen = {n for n in names if names.count(n) > 1}
        if seen:
            raise InputFileError(
                f"column {sorted(seen)[0]!r} appears more than once in the header",
                file=str(self.path),
            )
        return names

    def _on_invalid_row(self, row: Any) -> str:
        # Arrow numbers rows of the file from 1, counting skipped rows and the header.
        offset = self.fmt.skip_rows + (1 if self.fmt.header else 0)
        number = row.number - offset if row.number is not None else -1
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        self._bad.append(BadRow(number, reason, json.dumps({"_line": row.text})))
        return "skip"

    def batches(self) -> Iterator[RawBatch]:
        if self.columns is None:
            return
        if self._slow:
            yield from self._salvage(1)
            return
        numbering = _RowNumbering()
        convert = pacsv.ConvertOptions(
            column_types={n: pa.binary() for n in self.columns},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )
        try:
            reader = pacsv.open_csv(
                self._stream(),
                read_options=self._read_options(8 << 20),
                parse_options=self._parse_options(),
                convert_options=convert,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError):
            self._bad = []
            yield from self._salvage(1)
            return
        pending: list[pa.RecordBatch] = []
        while True:
            try:
                pending.append(reader.read_next_batch())
            except StopIteration:
                break
            except (pa.ArrowInvalid, UnicodeDecodeError):
                # Rows of ``pending`` were not delivered yet: read them again, slowly.
                self._bad = []
                yield from self._salvage(numbering.next_row)
                return
            if sum(b.num_rows for b in pending) >= self.batch_rows:
                yield from self._flush(pending, numbering)
                pending = []
        yield from self._flush(pending, numbering, final=True)

    def _salvage(self, start_row: int) -> Iterator[RawBatch]:
        assert self.columns is not None
        try:
            for table, rows, bad in salvage.batches(self.path, self.fmt, self.columns,
                                                    start_row, self.batch_rows, self.limits):
                yield RawBatch(table, rows, [BadRow(*b) for b in bad])
        except (csv.Error, OSError, EOFError) as exc:  # e.g. a truncated gzip stream
            yield RawBatch(empty_table(self.columns), pa.array([], pa.int64()),
                           [rest_unreadable(start_row, exc)])

    def _flush(
        self, pending: list[pa.RecordBatch], numbering: _RowNumbering, final: bool = False
    ) -> Iterator[RawBatch]:
        assert self.columns is not None
        if not pending and not self._bad:
            return
        table = pa.Table.from_batches(pending) if pending else _empty_binary(self.columns)
        rows, bad, self._bad = numbering.assign(table.num_rows, self._bad, final)
        table, rows, undecodable = _decode_utf8(table, rows)
        yield RawBatch(table, rows, bad + undecodable)


def _empty_binary(columns: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.binary()) for n in columns})

class _RowNumbering:
    """Numbers good rows around the malformed ones the CSV parser reported by number.

    Arrow parses ahead: by the time a batch arrives, the handler may already have reported
    malformed rows of the next blocks. Only those falling among this batch's rows are placed now;
    the others wait for a later batch (or the end of the file).
    """

    def __init__(self) -> None:
        self.next_row = 1

    def assign(
        self, good: int, bad: list[BadRow], final: bool
    ) -> tuple[pa.Array, list[BadRow], list[BadRow]]:
        """Row numbers of ``good`` rows, the bad rows placed among them, the bad rows left."""
        known = sorted((b for b in bad if b.row >= self.next_row), key=lambda b: b.row)
        unnumbered = [b for b in bad if b.row < self.next_row]  # parser gave no number
        end = self.next_row + good
        placed: list[BadRow] = []
        for item in known:
            if item.row < end:
                placed.append(item)
                end += 1
            elif final:
                placed.append(item)
                end = item.row + 1
        for item in unnumbered:
            item.row = end
            placed.append(item)
            end += 1
        candidates = np.arange(self.next_row, end)
        taken = np.array([b.row for b in placed], dtype=np.int64)
        numbers = candidates[~np.isin(candidates, taken)][:good]
        self.next_row = int(end)
        placed_ids = {id(b) for b in placed}
        left = [b for b in known if id(b) not in placed_ids]
        return pa.array(numbers, pa.int64()), placed, left


def _decode_utf8(table: pa.Table, rows: pa.Array) -> tuple[pa.Table, pa.Array, list[BadRow]]:
    """Binary columns to strings; rows with bytes that are not UTF-8 become bad rows."""
    ok = np.ones(table.num_rows, dtype=bool)
    strings: dict[str, pa.ChunkedArray] = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        try:
            strings[name] = col.cast(pa.string())
        except pa.ArrowInvalid:
            for index, value in enumerate(col.to_pylist()):
                if value is not None and not _is_utf8(value):
                    ok[index] = False
    if ok.all():
        return pa.table(strings) if strings else table, rows, []
    bad: list[BadRow] = []
    bad_index = np.flatnonzero(~ok)
    raw_rows = table.take(pa.array(bad_index)).to_pylist()
    numbers = rows.take(pa.array(bad_index)).to_pylist()
    for number, raw in zip(numbers, raw_rows, strict=True):
        text = {k: (v.decode("utf-8", "replace") if v is not None else None)
                for k, v in raw.items()}
        bad.append(BadRow(number, "bytes that are not valid UTF-8 text "
                          "(set format.encoding in a mapping)", json.dumps(text)))
    keep = pa.array(ok)
    table, rows = table.filter(keep), rows.filter(keep)
    return pa.table({n: table.column(n).cast(pa.string()) for n in table.column_names}), rows, bad


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

