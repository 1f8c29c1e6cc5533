"""Seller signals: any number of numeric ``signal_<name>`` columns of the ``sellers`` feed.

Each becomes one ``seller_signals`` record per seller (seller, signal name, value), so a
marketplace can add a signal without a change here. A value that is not a number is a field
problem (``signal_<name>``) of an accepted row, never a lost row (unless ``--strict``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.errors import LimitError, MappingError
from ringfence.ingest.fields import evaluate, settle
from ringfence.ingest.mapping import FieldMapping
from ringfence.ingest.plan import FieldPlan
from ringfence.ingest.problems import Problems
from ringfence.model.feeds import FieldSpec, feed
from ringfence.model.records import SIGNAL_PREFIX

SIGNAL_FEEDS = ("sellers",)
DATASET = "seller_signals"
# Each signal becomes a column of the seller model and four neighbour aggregates: a header of
# 15,000 signal_ columns (one line under the line limit) would be 75,000 model features.
MAX_SIGNALS = 500
_NAME = re.compile(rf"^{SIGNAL_PREFIX}[a-z0-9][a-z0-9_]{{0,62}}$")


def is_signal(name: str) -> bool:
    """Whether a column or mapping field name is a signal (``signal_`` + lower-case name)."""
    return bool(_NAME.match(name))


def signal_plans(
    feed_name: str,
    mapped: dict[str, FieldMapping],
    columns: list[str],
    mapping_file: str,
    data_file: str = "",
) -> list[FieldPlan]:
    """One plan per signal: the mapping's ``signal_<name>`` fields, then the file's own
    ``signal_<name>`` columns that the mapping does not map itself."""
    if feed_name not in SIGNAL_FEEDS:
        return []
    plans: dict[str, FieldPlan] = {}
    for name, fm in mapped.items():
        if fm.column is None:
            raise MappingError(
                "a signal takes one column", file=mapping_file, field=f"fields.{name}"
            )
        plans[name] = _plan(name, fm)
    used = {fm.column for fm in mapped.values()}
    for column in columns:
        if is_signal(column) and column not in plans and column not in used:
            plans[column] = _plan(column, FieldMapping(column=column))
    if len(plans) > MAX_SIGNALS:
        name = Path(data_file or mapping_file).name
        raise LimitError(
            f"{name}: {len(plans)} signal_ columns; a sellers file may carry at most {MAX_SIGNALS}"
        )
    return list(plans.values())


def _plan(name: str, fm: FieldMapping) -> FieldPlan:
    spec = FieldSpec(name, "signed_number", False, "seller signal")
    return FieldPlan(spec, fm, fm.hint, f"fields.{name}")


def signal_table(
    plans: list[FieldPlan], table: pa.Table, keys: pa.Array, rows: pa.Array, problems: Problems
) -> pa.Table:
    """Staged ``seller_signals`` rows (one per seller and signal with a value)."""
    from ringfence.ingest.transform import staged_schema

    schema = staged_schema(feed(DATASET))
    parts = []
    for fp in plans:
        values, reasons = evaluate(fp, table)
        values = settle(fp, table, values, reasons, problems, fp.spec.name)
        name = fp.spec.name.removeprefix(SIGNAL_PREFIX)
        has = pc.and_(pc.is_valid(values), pc.is_valid(keys))
        size = int(pc.sum(has).as_py() or 0)
        kept = keys.filter(has)
        parts.append(
            pa.table(
                {
                    "seller_ref": kept,
                    "signal": pa.repeat(pa.scalar(name), size),
                    "value": values.filter(has).cast(pa.float64()),
                    "source_key": pc.binary_join_element_wise(kept, pa.scalar(f":{name}"), ""),
                    "source_row": rows.filter(has),
                },
                schema=schema,
            )
        )
    return pa.concat_tables(parts) if parts else schema.empty_table()
