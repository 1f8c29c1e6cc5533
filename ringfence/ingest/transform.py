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

from ringfence.ingest.cleaning import clean_values
from ringfence.ingest.fields import (
    MISSING,
    coalesce_reasons,
    evaluate,
    hinted_last,
    missing,
    settle,
)
from ringfence.ingest.plan import PartyPlan, Plan
from ringfence.ingest.problems import (
    NULL_TEXT,
    PROBLEMS_STAGED,
    Problems,
    field_problem_rows,
    quarantine_rows,
)
from ringfence.ingest.readers import RawBatch
from ringfence.ingest.signals import DATASET as SIGNALS
from ringfence.ingest.signals import signal_table
from ringfence.model.feeds import FeedSpec, feed, value_type
from ringfence.model.records import PROVENANCE_FIELDS


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


def _main_columns(plan: Plan, table: pa.Table, problems: Problems) -> dict[str, pa.Array]:
    columns: dict[str, pa.Array] = {}
    for fp in hinted_last(plan.fields):
        values, reasons = evaluate(fp, table, columns.get("country"))
        where = fp.spec.canonical_column
        if not fp.spec.required:
            values = settle(fp, table, values, reasons, problems, where)
        default = _record_default(plan.feed, fp.spec.name)
        if default is not None:
            values = pc.fill_null(values, pa.scalar(default, values.type))
        if fp.spec.required:
            problems.add(where, missing(values, reasons))
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
    for fp in hinted_last(party.fields):
        columns[fp.spec.name], reasons[fp.spec.name] = evaluate(fp, table, columns.get("country"))
        present = pc.or_(present, pc.is_valid(columns[fp.spec.name]))
    columns = {fp.spec.name: columns[fp.spec.name] for fp in party.fields}  # the key hashes them
    for fp in party.fields:  # a required value only counts as missing if a party is there
        why, where = reasons[fp.spec.name], f"{party.role}.{fp.spec.canonical_column}"
        if fp.spec.required:
            problems.add(where, pc.if_else(present, missing(columns[fp.spec.name], why), why))
        else:
            columns[fp.spec.name] = settle(fp, table, columns[fp.spec.name], why, problems,
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
        reasons = coalesce_reasons(why) if why else pa.nulls(size, pa.string())
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
    signals = signal_table(plan.signals, table, keys, rows, problems) if plan.signals else None
    bad = problems.bad_mask()
    good = pa.array(~bad)
    tables = {plan.feed.name: _table(staged_schema(plan.feed), main, table.num_rows).filter(good)}
    if party_tables:
        tables["parties"] = pa.concat_tables([t.filter(_good_rows(t, rows, bad))
                                              for t in party_tables])
    if outcome_tables:
        tables["outcomes"] = pa.concat_tables([t.filter(_good_rows(t, rows, bad))
                                               for t in outcome_tables])
    if signals is not None:
        tables[SIGNALS] = signals.filter(_good_rows(signals, rows, bad))
    return Staged(tables, quarantine_rows(batch, problems, bad), int(bad.sum()) + len(batch.bad),
                  field_problem_rows(rows, problems, bad))


def _good_rows(derived: pa.Table, rows: pa.Array, bad: np.ndarray) -> pa.Array:
    """Mask of a derived table's rows (parties, outcomes) whose source row had no problem."""
    bad_rows = rows.filter(pa.array(bad))
    return pc.invert(pc.is_in(derived.column("source_row"), bad_rows))
