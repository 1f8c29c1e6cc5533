"""Cleaning one field of a batch: its raw values, cleaned values, reasons, and what an optional
field keeps of values that do not clean.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.arrow import join_present
from ringfence.ingest.cleaning import (
    apply_value_map,
    clean_list,
    clean_values,
    clean_with_hint_column,
    clean_with_row_hints,
    salvage_values,
)
from ringfence.ingest.plan import FieldPlan
from ringfence.ingest.problems import NULL_TEXT, Problems
from ringfence.model import types
from ringfence.model.feeds import value_type

MISSING = "missing required value"
ROW_HINT_TYPES = ("phone",)
"""Types whose default hint is the row's own (cleaned) ``country``: a local phone number."""


def raw_source(fp: FieldPlan, table: pa.Table) -> pa.Array:
    """A field's values as read: its column, its constant, or its columns joined."""
    fm = fp.source
    if fm.constant is not None:
        return pa.repeat(pa.scalar(fm.constant, pa.string()), table.num_rows)
    if fm.column is not None:
        return table.column(fm.column).combine_chunks()
    parts = []
    for name in fm.columns or []:
        trimmed = pc.utf8_trim_whitespace(table.column(name).combine_chunks())
        parts.append(pc.if_else(pc.equal(trimmed, ""), NULL_TEXT, trimmed))
    return join_present(parts, fm.join)


def coalesce_reasons(reasons: list[pa.Array]) -> pa.Array:
    """The first reason per row of several checks (null where none failed)."""
    return reasons[0] if len(reasons) == 1 else pc.coalesce(*reasons)


def evaluate(
    fp: FieldPlan, table: pa.Table, row_hints: pa.Array | None = None
) -> tuple[pa.Array, pa.Array]:
    """A field's cleaned values and the reason per row it failed (null where it did not).

    ``row_hints`` (the row's cleaned country) is the hint of types in ``ROW_HINT_TYPES`` where
    the mapping gives no ``hint_column``; the field's hint is the fallback.
    """
    fm, fs = fp.source, fp.spec
    raw = raw_source(fp, table)
    reasons: list[pa.Array] = []
    if fm.map is not None:
        raw, map_reasons = apply_value_map(raw, fm.map, fm.map_default)
        reasons.append(map_reasons)
    vtype = value_type(fs.type)
    if fs.is_list:
        values, why = clean_list(vtype, raw, fm.split or ";", fp.hint)
    elif fm.hint_column:
        values, why = clean_with_hint_column(
            vtype, raw, table.column(fm.hint_column).combine_chunks(), fp.hint
        )
    elif row_hints is not None and fs.type in ROW_HINT_TYPES:
        values, why = clean_with_row_hints(vtype, raw, row_hints, fp.hint)
    else:
        values, why = clean_values(vtype, raw, fp.hint)
    reasons.append(why)
    if fm.multiply_column:
        other, other_why = clean_values(
            types.registry["number"], table.column(fm.multiply_column).combine_chunks()
        )
        values = pc.multiply(values.cast(pa.float64()), other)
        reasons.append(
            pc.binary_join_element_wise(
                pa.scalar(f"multiply_column {fm.multiply_column!r}: "), other_why, ""
            )
        )
    if fm.factor is not None:
        values = pc.multiply(values.cast(pa.float64()), fm.factor)
    if values.type != fs.arrow_type:  # counts scaled by a factor come back as floats
        values = pc.round(values).cast(fs.arrow_type) if fs.type == "count" else values
    return values, coalesce_reasons(reasons)


def missing(values: pa.Array, reasons: pa.Array) -> pa.Array:
    """Reasons with ``missing required value`` added where there is no value and no reason."""
    empty = pc.is_null(values)
    if pa.types.is_list(values.type):
        empty = pc.or_(empty, pc.fill_null(pc.equal(pc.list_value_length(values), 0), True))
    return pc.if_else(pc.and_(empty, pc.is_null(reasons)), pa.scalar(MISSING), reasons)


def hinted_last(fields: list[FieldPlan]) -> list[FieldPlan]:
    """Fields in an order that cleans ``country`` before the fields it is the hint of."""
    return sorted(fields, key=lambda fp: fp.spec.type in ROW_HINT_TYPES)


def settle(
    fp: FieldPlan,
    table: pa.Table,
    values: pa.Array,
    reasons: pa.Array,
    problems: Problems,
    where: str,
) -> pa.Array:
    """Record an optional field's problems (as field problems unless strict); return its values
    with what the type keeps of refused ones (``ValueType.salvage``)."""
    raw = raw_source(fp, table)
    problems.add_field(where, reasons, raw)
    if problems.strict or fp.spec.is_list:
        return values
    refused = pc.and_(reasons.is_valid(), values.is_null())
    return salvage_values(value_type(fp.spec.type), values, raw, refused)
