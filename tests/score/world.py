"""A small labelled world written straight into a lake: shipments with parties and outcomes.

Risk is planted so that models have something to find: some importers are bad (most of their
inspections positive), and ``ipr`` positives come from one HS code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.model.feeds import feed
from ringfence.settings import Settings
from ringfence.store.lake import Lake

START = dt.date(2024, 1, 1)


def _table(name: str, columns: dict[str, Any], rows: int) -> pa.Table:
    schema = feed(name).schema
    return pa.table(
        {
            n: pa.array(columns[n], schema.field(n).type)
            if n in columns
            else pa.nulls(rows, schema.field(n).type)
            for n in schema.names
        }
    )


def make_world(rows: int = 3000, days: int = 120, seed: int = 3) -> tuple[pa.Table, pa.Table]:
    """Shipments and outcomes (every shipment inspected, labels ``fraud`` and ``ipr``)."""
    rng = np.random.default_rng(seed)
    ids = [f"sh-{i:06d}" for i in range(rows)]
    offsets = np.sort(rng.integers(0, days, rows))
    dates = [START + dt.timedelta(days=int(d)) for d in offsets]
    importers = rng.integers(0, 80, rows)
    hs = rng.choice(["610910", "420221", "851830", "950300"], rows)
    bad = importers < 10
    fraud = rng.random(rows) < np.where(bad, 0.8, 0.1)
    ipr = fraud & (hs == "420221") & (rng.random(rows) < 0.7)
    shipments = _table(
        "shipments",
        {
            "id": ids,
            "source_key": [f"k{i}" for i in range(rows)],
            "organisation": ["test"] * rows,
            "kind": ["declaration"] * rows,
            "date": dates,
            "importer_ref": [f"imp-{i}" for i in importers],
            "seller_ref": [f"sel-{i % 40}" for i in importers],
            "hs_code": hs,
            "origin_country": rng.choice(["CN", "TR", "DE"], rows),
            "port": rng.choice(["10", "20"], rows),
            "weight_kg": rng.lognormal(2, 1, rows),
            "declared_value": rng.lognormal(8, 1, rows) * np.where(bad, 0.3, 1.0),
            "value_at_stake": rng.lognormal(5, 1, rows),
        },
        rows,
    )
    outcome_cols: dict[str, list[Any]] = {"id": [], "shipment_ref": [], "label": [],
                                          "positive": [], "date": []}  # fmt: skip
    for label, flags in (("fraud", fraud), ("ipr", ipr)):
        outcome_cols["id"] += [f"ou-{label}-{i}" for i in range(rows)]
        outcome_cols["shipment_ref"] += ids
        outcome_cols["label"] += [label] * rows
        outcome_cols["positive"] += [bool(f) for f in flags]
        outcome_cols["date"] += dates
    outcomes = _table("outcomes", outcome_cols, 2 * rows)
    return shipments, outcomes


def write_world(settings: Settings, shipments: pa.Table, outcomes: pa.Table) -> None:
    """Put the world into the settings' lake."""
    lake = Lake(settings)
    lake.write_table("shipments", shipments, "test")
    lake.write_table("outcomes", outcomes, "test")
