"""A small labelled world written straight into a lake: shipments with parties and outcomes.

Risk is planted so that models have something to find: some importers are bad (most of their
inspections positive), and ``ipr`` positives come from one HS code. Routes (transshipment, transit
legs) and consignees, several at one address written in different ways, are there so that every
feature has values to compare.
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
CONSIGNEES = 60


def feed_table(name: str, columns: dict[str, Any], rows: int) -> pa.Table:
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
    origin = rng.choice(["CN", "TR", "DE"], rows)
    ids = [f"sh-{i:06d}" for i in range(rows)]
    offsets = np.sort(rng.integers(0, days, rows))
    dates = [START + dt.timedelta(days=int(d)) for d in offsets]
    importers = rng.integers(0, 80, rows)
    hs = rng.choice(["610910", "420221", "851830", "950300"], rows)
    bad = importers < 10
    fraud = rng.random(rows) < np.where(bad, 0.8, 0.1)
    ipr = fraud & (hs == "420221") & (rng.random(rows) < 0.7)
    shipments = feed_table(
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
            "origin_country": origin,
            "departure_country": np.where(rng.random(rows) < 0.2, "HK", origin),
            "transit_countries": [
                ["AE", "TR"][: int(n)] for n in rng.choice([0, 0, 0, 1, 2], rows)
            ],
            "consignee_ref": [f"con-{i}" for i in rng.integers(0, CONSIGNEES, rows)],
            "currency": rng.choice(["EUR", "USD", "HKD", "GBP"], rows),
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
    outcomes = feed_table("outcomes", outcome_cols, 2 * rows)
    return shipments, outcomes


def consignee_parties() -> pa.Table:
    """The consignees' party mentions: four names to an address, spelt differently (a tenth
    without a street, so the feature's null is compared too)."""
    streets = ["12 Kade Street", "Kade St. 12", "12 KADE STR", "kade 12"]
    rows = CONSIGNEES
    return feed_table(
        "parties",
        {
            "id": [f"con-{i}" for i in range(rows)],
            "source_key": [f"con-{i}" for i in range(rows)],
            "organisation": ["test"] * rows,
            "role": ["consignee"] * rows,
            "name": [f"Consignee {i}" for i in range(rows)],
            "street": [None if i % 10 == 9 else streets[i % 4].replace("12", str(i // 4))
                       for i in range(rows)],
            "postcode": [f"10{i // 4:02d} AB" for i in range(rows)],
            "city": ["Amsterdam"] * rows,
            "country": ["NL"] * rows,
        },
        rows,
    )  # fmt: skip


def exchange_rates() -> pa.Table:
    """Monthly rates to EUR for USD and HKD (GBP has none, so it stays as declared), and one
    rate quoted against another base, which must be ignored."""
    rows = [("USD", dt.date(2024, m, 1), 1.05 + 0.01 * m, "EUR") for m in (1, 2, 3, 4)]
    rows += [("HKD", dt.date(2024, m, 1), 8.2 + 0.1 * m, "EUR") for m in (2, 4)]
    rows += [("USD", dt.date(2024, 1, 1), 1300.0, "KRW")]
    names = ("currency", "date", "rate", "base_currency")
    columns = dict(zip(names, zip(*rows, strict=True), strict=True))
    keys = [f"fx-{i}" for i in range(len(rows))]
    return feed_table(
        "exchange_rates",
        {**columns, "id": keys, "source_key": keys, "organisation": ["test"] * len(rows)},
        len(rows),
    )


def write_world(settings: Settings, shipments: pa.Table, outcomes: pa.Table) -> None:
    """Put the world (its consignees' party mentions, exchange rates) into the settings' lake."""
    lake = Lake(settings)
    lake.write_table("shipments", shipments, "test")
    lake.write_table("outcomes", outcomes, "test")
    lake.write_table("parties", consignee_parties(), "test")
    lake.write_table("exchange_rates", exchange_rates(), "test")


def repeat_amounts(shipments: pa.Table, share: float = 0.5, seed: int = 4) -> pa.Table:
    """``shipments`` with ``share`` of the declared values rounded to whole hundreds, so amounts
    repeat within an HS code and currency (the ``hs6_value`` key gets a history)."""
    column = shipments.column("declared_value").combine_chunks()
    picks = np.random.default_rng(seed).random(shipments.num_rows) < share
    values = [
        None if v is None else (round(v, -2) if p else v)
        for p, v in zip(picks, column.to_pylist(), strict=True)
    ]
    index = shipments.schema.get_field_index("declared_value")
    return shipments.set_column(index, "declared_value", pa.array(values, column.type))
