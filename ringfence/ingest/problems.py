"""Problems found while transforming a batch: those that quarantine a row, and field problems.

A row is quarantined for a broken row, a missing or invalid key, or a missing or invalid required
value. A value of an optional field that does not clean is a *field problem*: the row is accepted
without that value (a phone keeps its digits as an unverified value) and the problem is stored in
the ``field_problems`` dataset with its file, row, field, raw value and reason. In strict mode
every field problem quarantines its row, as every problem did before field problems existed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.arrow import join_present
from ringfence.ingest.readers import RawBatch

NULL_TEXT = pa.scalar(None, pa.string())
PROBLEMS_STAGED = pa.schema(
    [
        ("source_row", pa.int64()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)
"""Staged quarantine entries and field problems (the finishing SQL adds ids and provenance)."""


@dataclass
class _Entry:
    where: str
    reasons: pa.Array
    raw: pa.Array | None


def _merge(entries: list[_Entry], where: str, reasons: pa.Array, raw: pa.Array | None) -> None:
    """Add reasons for ``where``; a second call for the same place adds to the first."""
    if reasons.null_count == len(reasons):
        return
    for entry in entries:
        if entry.where == where:
            both = join_present([entry.reasons, reasons], "; ")
            entry.reasons = pc.if_else(pc.equal(both, ""), NULL_TEXT, both)
            return
    entries.append(_Entry(where, reasons, raw))


class Problems:
    """Reasons per row and field: row problems quarantine the row, field problems do not."""

    def __init__(self, size: int, strict: bool = False) -> None:
        self.size = size
        self.strict = strict
        self.rows: list[_Entry] = []
        self.fields: list[_Entry] = []

    def add(self, where: str, reasons: pa.Array) -> None:
        """Reasons (null where none) that quarantine their rows: keys, required values."""
        _merge(self.rows, where, reasons, None)

    def add_field(self, where: str, reasons: pa.Array, raw: pa.Array) -> None:
        """Reasons of an optional field (``raw`` its values as read): field problems, or row
        problems in strict mode."""
        _merge(self.rows if self.strict else self.fields, where, reasons, raw)

    def bad_mask(self) -> np.ndarray:
        """Rows with a row problem."""
        mask = np.zeros(self.size, dtype=bool)
        for entry in self.rows:
            mask |= entry.reasons.is_valid().to_numpy(zero_copy_only=False)
        return mask


def quarantine_rows(batch: RawBatch, problems: Problems, bad: np.ndarray) -> pa.Table:
    """Quarantine entries: the reader's broken rows, and every problem of each bad row (its
    field problems too) with the whole raw row as JSON."""
    records: dict[str, list[object]] = {n: [] for n in PROBLEMS_STAGED.names}
    for item in batch.bad:
        for name, value in (
            ("source_row", item.row),
            ("field", None),
            ("reason", item.reason),
            ("raw", item.raw),
        ):
            records[name].append(value)
    if bad.any():
        index = pa.array(np.flatnonzero(bad))
        raws = [json.dumps(r, ensure_ascii=False) for r in batch.table.take(index).to_pylist()]
        numbers = batch.rows.take(index).to_pylist()
        for entry in problems.rows + problems.fields:
            for number, raw, reason in zip(
                numbers, raws, entry.reasons.take(index).to_pylist(), strict=True
            ):
                if reason is not None:
                    records["source_row"].append(number)
                    records["field"].append(entry.where)
                    records["reason"].append(reason)
                    records["raw"].append(raw)
    return pa.Table.from_pydict(records, schema=PROBLEMS_STAGED)


def field_problem_rows(rows: pa.Array, problems: Problems, bad: np.ndarray) -> pa.Table:
    """Field problems of the rows that are not quarantined: row number, field, reason and the
    field's raw value."""
    good = pa.array(~bad)
    parts = []
    for entry in problems.fields:
        keep = pc.and_(good, entry.reasons.is_valid())
        raw = entry.raw if entry.raw is not None else pa.nulls(len(rows), pa.string())
        parts.append(
            pa.table(
                {
                    "source_row": rows.filter(keep),
                    "field": pa.repeat(pa.scalar(entry.where), pc.sum(keep).as_py() or 0),
                    "reason": entry.reasons.filter(keep),
                    "raw": raw.cast(pa.string()).filter(keep),
                },
                schema=PROBLEMS_STAGED,
            )
        )
    return pa.concat_tables(parts) if parts else PROBLEMS_STAGED.empty_table()
