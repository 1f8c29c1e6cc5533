"""Transform: one batch of raw rows into staged records, inline party mentions, outcomes, the
problems that send rows to the quarantine and the field problems of accepted rows (see
``problems``).

All work is column-wise (pyarrow.compute and ``clean_column`` on distinct values); Python loops
only over distinct values or over the rows that failed. Ids are not computed here: staged tables
carry source keys, and the finishing SQL hashes them into ids (see ``pipeline``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.ingest.cleaning import (
    apply_value_map,
    clean_list,
    clean_values,
    clean_with_hint_column,
    clean_with_row_hints,
    salvage_values,
)
from ringfence.ingest.plan import FieldPlan, PartyPlan, Plan
from ringfence.ingest.problems import (
    NULL_TEXT,
    PROBLEMS_STAGED,
    Problems,
    field_problem_rows,
    quarantine_rows,
)
from ringfence.ingest.readers import RawBatch
from ringfence.model import types
from ringfence.model.feeds import FeedSpec, feed, value_type
from ringfence.model.records import PROVENANCE_FIELDS

MISSING = "missing required value"
ROW_HINT_TYPES = ("phone",)
"""Types whose default hint is the row's own (cleaned) ``country``: a local phone number."""


def staged_schema(spec: FeedSpec) -> pa.Schema:
    """Columns of a staged table: the data fields (refs as source keys) and the row's origin."""
    cols = [pa.field(f.name, pa.string() if f.ref_feed else f.arrow_type)
            for f in spec.fields if f.name not in PROVENANCE_FIELDS]
    return pa.schema([*cols, pa.field("source_key", pa.string()),
                      pa.field("source_row", pa.int64())])


QUARANTINE_STAGED = PROBLEMS_STAGED


@dataclass
class Staged:
    """What one batch gives: tables to stage per dataset, quarantine rows, rows counted bad, and
    the field problems of accepted rows."""

    tables: dict[str, pa.Table]
    quarantine: pa.Table
    bad_rows: int
    field_problems: pa.Table


def _raw_source(fp: FieldPlan, table: pa.Table) -> pa.Array:
    fm = fp.source
    if fm.constant is not None:
        return pa.repeat(pa.scalar(fm.constant, pa.string()), table.num_rows)
    if fm.column is not None:
        return table.column(fm.column).combine_chunks()
    parts = []
    for name in fm.columns or []:
        trimmed = pc.utf8_trim_whitespace(table.column(name).combine_chunks())
        parts.append(pc.if_else(pc.equal(trimmed, ""), NULL_TEXT, trimmed))
    return pc.binary_join_element_wise(*parts, fm.join, null_handling="skip")


def _coalesce_reasons(reasons: list[pa.Array]) -> pa.Array:
    return reasons[0] if len(reasons) == 1 else pc.coalesce(*reasons)


def evaluate(
    fp: FieldPlan, table: pa.Table, row_hints: pa.Array | None = None
) -> tuple[pa.Array, pa.Array]:
    """A field's cleaned values and the reason per row it failed (null where it did not).

    ``row_hints`` (the row's cleaned country) is the hint of types in ``ROW_HINT_TYPES`` where
    the mapping gives no ``hint_column``; the field's hint is the fallback.
    """
    fm, fs = fp.source, fp.spec
    raw = _raw_source(fp, table)
    reasons: list[pa.Array] = []
    if fm.map is not None:
        raw, map_reasons = apply_value_map(raw, fm.map, fm.map_default)
        reasons.append(map_reasons)
    vtype = value_type(fs.type)
    if fs.is_list:
        values, why = clean_list(vtype, raw, fm.split or ";", fp.hint)
    elif fm.hint_column:
        values, why = clean_with_hint_column(vtype, raw, table.column(fm.hint_column)
                                             .combine_chunks(), fp.hint)
    elif row_hints is not None and fs.type in ROW_HINT_TYPES:
        values, why = clean_with_row_hints(vtype, raw, row_hints, fp.hint)
    else:
        values, why = clean_values(vtype, raw, fp.hint)
    reasons.append(why)
    if fm.multiply_column:
        other, other_why = clean_values(types.registry["number"],
                                        table.column(fm.multiply_column).combine_chunks())
        values = pc.multiply(values.cast(pa.float64()), other)
        reasons.append(pc.binary_join_element_wise(
            pa.scalar(f"multiply_column {fm.multiply_column!r}: "), other_why, ""))
    if fm.factor is not None:
        values = pc.multiply(values.cast(pa.float64()), fm.factor)
    if values.type != fs.arrow_type:  # counts scaled by a factor come back as floats
        values = pc.round(values).cast(fs.arrow_type) if fs.type == "count" else values
    return values, _coalesce_reasons(reasons)


def _missing(values: pa.Array, reasons: pa.Array) -> pa.Array:
    """Reasons with ``missing required value`` added where there is no value and no reason."""
    empty = pc.is_null(values)
    if pa.types.is_list(values.type):
        empty = pc.or_(empty, pc.fill_null(pc.equal(pc.list_value_length(values), 0), True))
    return pc.if_else(pc.and_(empty, pc.is_null(reasons)), pa.scalar(MISSING), reasons)


def _hash_text(values: pa.Array, prefix: str) -> pa.Array:
    """A short content hash of each distinct text value (keys for rows without a key column)."""
    encoded = pc.dictionary_encode(values)
    digests = [None if v is None else prefix + hashlib.sha1(v.encode()).hexdigest()[:24]
               for v in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(digests, pa.string()), encoded.indices)


def _joined(columns: list[pa.Array]) -> pa.Array:
    texts = [pc.fill_null(c if c.type == pa.string() else c.cast(pa.string()), "") for c in columns]
    if not texts:
        return pa.repeat(pa.scalar(""), 0)
    return pc.binary_join_element_wise(*texts, "\x1f")


def source_keys(key: list[str] | None, table: pa.Table, problems: Problems) -> pa.Array:
    """Each row's key in its source: the key columns, or a hash of the whole raw row."""
    if not key:
        if table.num_columns == 0:
            return pa.repeat(pa.scalar("row-empty"), table.num_rows)
        return _hash_text(_joined([table.column(c).combine_chunks() for c in
                                   table.column_names]), "row-")
    parts = [pc.utf8_trim_whitespace(table.column(c).combine_chunks()) for c in key]
    keys = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(
        *parts, "|", null_handling="replace", null_replacement="")
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(keys), pc.cast(
        pa.scalar("|" * (len(parts) - 1)), pa.string())), True)
    problems.add("key", pc.if_else(blank, pa.scalar(f"missing key value ({', '.join(key)})"),
                                   NULL_TEXT))
    return keys


def _record_default(spec: FeedSpec, name: str) -> object:
    default = spec.record.model_fields[name].default
    return default if isinstance(default, str | int | float | bool) else None


def _table(schema: pa.Schema, columns: dict[str, pa.Array], size: int) -> pa.Table:
    arrays = []
    for f in schema:
        arr = columns.get(f.name)
        arrays.append(pa.nulls(size, f.type) if arr is None else arr.cast(f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _hinted_last(fields: list[FieldPlan]) -> list[FieldPlan]:
    """Fields in an order that cleans ``country`` before the fields it is the hint of."""
    return sorted(fields, key=lambda fp: fp.spec.type in ROW_HINT_TYPES)


def _settle(fp: FieldPlan, table: pa.Table, values: pa.Array, reasons: pa.Array,
            problems: Problems, where: str) -> pa.Array:
    """Record an optional field's problems (as field problems unless strict); return its values
    with what the type keeps of refused ones (``ValueType.salvage``)."""
    problems.add_field(where, reasons, _raw_source(fp, table))
    if problems.strict or fp.spec.is_list:
        return values
    refused = pc.and_(reasons.is_valid(), values.is_null())
    return salvage_values(value_type(fp.spec.type), values, _raw_source(fp, table), refused)


def _main_columns(plan: Plan, table: pa.Table, problems: Problems) -> dict[str, pa.Array]:
    columns: dict[str, pa.Array] = {}
    for fp in _hinted_last(plan.fields):
        values, reasons = evaluate(fp, table, columns.get("country"))
        where = fp.spec.canonical_column
        if not fp.spec.required:
            values = _settle(fp, table, values, reasons, problems, where)
        default = _record_default(plan.feed, fp.spec.name)
        if default is not None:
            values = pc.fill_null(values, pa.scalar(default, values.type))
        if fp.spec.required:
            problems.add(where, _missing(values, reasons))
        columns[fp.spec.name] = values
    for fs in plan.feed.fields:
        default = _record_default(plan.feed, fs.name)
        if fs.name not in columns and default is not None:
            columns[fs.name] = pa.repeat(pa.scalar(default, fs.arrow_type), table.num_rows)
    return columns


def _party_mentions(
    party: PartyPlan, table: pa.Table, problems: Problems
) -> tuple[pa.Array, dict[str, pa.Array]]:
    """Source keys (``role:key``, null where no party) and cleaned columns of a party in a role.

    The party's own ``country`` is the default region of its phone.
    """
    columns: dict[str, pa.Array] = {}
    reasons: dict[str, pa.Array] = {}
    present = pa.repeat(pa.scalar(False), table.num_rows)
    for fp in _hinted_last(party.fields):
        columns[fp.spec.name], reasons[fp.spec.name] = evaluate(fp, table, columns.get("country"))
        present = pc.or_(present, pc.is_valid(columns[fp.spec.name]))
    for fp in party.fields:  # a required value only counts as missing if a party is there
        why, where = reasons[fp.spec.name], f"{party.role}.{fp.spec.canonical_column}"
        if fp.spec.required:
            problems.add(where, pc.if_else(present, _missing(columns[fp.spec.name], why), why))
        else:
            columns[fp.spec.name] = _settle(fp, table, columns[fp.spec.name], why, problems,
                                            where)
    mentions_spec = feed("parties")
    for fs in mentions_spec.fields:
        if fs.required and fs.name not in columns and fs.name not in PROVENANCE_FIELDS:
            problems.add(f"{party.role}.{fs.canonical_column}",
                         pc.if_else(present, pa.scalar(MISSING), NULL_TEXT))
    keys = _hash_text(_joined(list(columns.values())), "")
    if party.key:
        given = pc.utf8_trim_whitespace(pc.binary_join_element_wise(
            *[table.column(c).combine_chunks() for c in party.key], "|",
            null_handling="replace", null_replacement=""))
        keys = pc.if_else(pc.fill_null(pc.equal(given, "|" * (len(party.key) - 1)), True),
                          keys, given)
    source_key = pc.binary_join_element_wise(pa.scalar(f"{party.role}:"), keys, "")
    return pc.if_else(present, source_key, NULL_TEXT), columns


def _mention_table(role: str, keys: pa.Array, columns: dict[str, pa.Array],
                   rows: pa.Array) -> pa.Table:
    schema = staged_schema(feed("parties"))
    size = len(keys)
    data = dict(columns)
    data.update(role=pa.repeat(pa.scalar(role), size), source_key=keys, source_row=rows)
    data.setdefault("schema_", pa.repeat(pa.scalar("LegalEntity"), size))
    data["schema_"] = pc.fill_null(data["schema_"], "LegalEntity")
    return _table(schema, data, size).filter(pc.is_valid(keys))


def _outcomes(plan: Plan, table: pa.Table, keys: pa.Array, main: dict[str, pa.Array],
              rows: pa.Array, problems: Problems) -> list[pa.Table]:
    schema = staged_schema(feed("outcomes"))
    tables = []
    size = table.num_rows
    for name, label in plan.labels.items():
        values = pc.utf8_trim_whitespace(table.column(label.column).combine_chunks())
        has = pc.fill_null(pc.not_equal(values, ""), False)
        positive = pc.is_in(values, pa.array([v.strip() for v in label.positive]))
        why: list[pa.Array] = []
        if label.negative is not None:
            negative = pa.array([v.strip() for v in label.negative])
            known = pc.or_(positive, pc.is_in(values, negative))
            why.append(pc.if_else(pc.and_(has, pc.invert(known)), pc.binary_join_element_wise(
                pa.scalar("label value '"), values,
                pa.scalar("' is neither positive nor negative"), ""), NULL_TEXT))
        data = {"shipment_ref": keys, "label": pa.repeat(pa.scalar(name), size),
                "positive": positive, "date": main.get("date"), "source_row": rows,
                "source_key": pc.binary_join_element_wise(keys, pa.scalar(f":{name}"), "")}
        if label.result_column:
            result, result_why = clean_values(value_type("outcome_result"),
                                              table.column(label.result_column).combine_chunks())
            why.append(result_why)
            data["result"] = result
        # A label that cannot be read gives no outcome; the shipment itself is still accepted.
        reasons = _coalesce_reasons(why) if why else pa.nulls(size, pa.string())
        problems.add_field(f"labels.{name}", reasons, values)
        tables.append(_table(schema, data, size).filter(pc.and_(has, reasons.is_null())))
    return tables


def transform(plan: Plan, batch: RawBatch, strict: bool = False) -> Staged:
    """Clean one batch; rows with a row problem go to the quarantine with all their reasons.

    Optional values that do not clean are field problems of accepted rows, unless ``strict``:
    then they quarantine their rows too.
    """
    table, rows = batch.table, batch.rows
    problems = Problems(table.num_rows, strict)
    main = _main_columns(plan, table, problems)
    keys = source_keys(plan.key, table, problems)
    main.update(source_key=keys, source_row=rows)
    party_tables = []
    for party in plan.parties:
        mention_keys, columns = _party_mentions(party, table, problems)
        main[f"{party.role}_ref"] = mention_keys
        party_tables.append(_mention_table(party.role, mention_keys, columns, rows))
    if plan.self_party_role:
        role = plan.self_party_role
        self_keys = pc.binary_join_element_wise(pa.scalar(f"{role}:"), keys, "")
        party_tables.append(_mention_table(role, self_keys, main, rows))
    outcome_tables = _outcomes(plan, table, keys, main, rows, problems)
    bad = problems.bad_mask()
    good = pa.array(~bad)
    tables = {plan.feed.name: _table(staged_schema(plan.feed), main, table.num_rows).filter(good)}
    if party_tables:
        tables["parties"] = pa.concat_tables([t.filter(_good_rows(t, rows, bad))
                                              for t in party_tables])
    if outcome_tables:
        tables["outcomes"] = pa.concat_tables([t.filter(_good_rows(t, rows, bad))
                                               for t in outcome_tables])
    return Staged(tables, quarantine_rows(batch, problems, bad), int(bad.sum()) + len(batch.bad),
                  field_problem_rows(rows, problems, bad))


def _good_rows(derived: pa.Table, rows: pa.Array, bad: np.ndarray) -> pa.Array:
    """Mask of a derived table's rows (parties, outcomes) whose source row had no problem."""
    bad_rows = rows.filter(pa.array(bad))
    return pc.invert(pc.is_in(derived.column("source_row"), bad_rows))
