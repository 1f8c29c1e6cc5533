"""What every reader yields: batches of raw text rows, and the rows that could not be read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa


@dataclass
class BadRow:
    """A row that could not be read into columns: its number, why, and its raw text as JSON."""

    row: int
    reason: str
    raw: str


@dataclass
class RawBatch:
    """A batch of raw rows: string columns, their data row numbers, and unreadable rows."""

    table: pa.Table
    rows: pa.Array
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.bad)

class Source:
    """A readable input file: ``columns`` (None for an empty file) and ``batches()``."""

    columns: list[str] | None = None

    def batches(self) -> Iterator[RawBatch]:
        raise NotImplementedError

    def notes(self) -> list[str]:
        """Warnings about the file once it has been read (nothing by default)."""
        return []

def rest_unreadable(row: int, exc: Exception) -> BadRow:
    """A failure mid-file: what is left cannot be split into rows, so it counts as one bad row."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return BadRow(row, f"file unreadable from this row on: {first}", json.dumps({}))

def empty_table(columns: list[str]) -> pa.Table:
    """A table of string columns with no rows."""
    return pa.table({n: pa.array([], pa.string()) for n in columns})
