"""Route, consignee-address and currency-converted features against plain Python versions."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import pyarrow as pa
import pytest

from ringfence.score.consignees import FEATURE, address_keys
from ringfence.score.features import features_for
from ringfence.settings import Settings
from tests.score.world import consignee_parties, make_world, write_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict[str, dict]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("route"))
    shipments, outcomes = make_world(rows=1500, days=90, seed=5)
    write_world(settings, shipments, outcomes)
    rows = {row["id"]: row for row in features_for(settings).table.to_pylist()}
    return shipments.to_pylist(), rows


def test_spellings_of_one_address_share_a_key() -> None:
    keys = address_keys(consignee_parties()).to_pylist()
    by_mention = {k["mention_id"]: k["address_key"] for k in keys}
    assert by_mention["con-0"] == by_mention["con-1"] == by_mention["con-2"] == by_mention["con-3"]
    assert by_mention["con-0"] != by_mention["con-4"]
    assert "con-9" not in by_mention  # no street: no address to share


def test_consignees_at_an_address_count_only_the_30_days_before(world) -> None:
    shipments, features = world
    address = {
        k["mention_id"]: k["address_key"] for k in address_keys(consignee_parties()).to_pylist()
    }
    seen: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for s in shipments:
        if s["consignee_ref"] in address:
            seen[address[s["consignee_ref"]]].append((s["date"], s["consignee_ref"]))
    checked = 0
    for s in shipments:
        got = features[s["id"]][FEATURE]
        where = address.get(s["consignee_ref"])
        if where is None:
            assert got is None
            continue
        window = {c for d, c in seen[where] if 1 <= (s["date"] - d).days <= 30}
        assert got == len(window), s["id"]
        checked += 1
    assert checked > 1000


def test_transshipment_and_transit_legs(world) -> None:
    shipments, features = world
    kinds = set()
    for s in shipments:
        row = features[s["id"]]
        legs = len(s["transit_countries"] or [])
        assert row["transit_legs"] == legs
        moved = legs > 0 or s["origin_country"] != s["departure_country"]
        assert row["transshipment"] == float(moved)
        kinds.add((legs > 0, s["origin_country"] != s["departure_country"]))
    assert len(kinds) == 4  # every combination occurs, so each branch was compared


def test_unknown_route_is_missing_not_direct(tmp_path) -> None:
    shipments, outcomes = make_world(rows=50, days=10)
    names = shipments.schema.names
    blank = pa.nulls(shipments.num_rows, pa.string())
    shipments = shipments.set_column(names.index("departure_country"), "departure_country", blank)
    empty = pa.array([[]] * shipments.num_rows, pa.list_(pa.string()))
    shipments = shipments.set_column(names.index("transit_countries"), "transit_countries", empty)
    settings = Settings(data_dir=tmp_path)
    write_world(settings, shipments, outcomes)
    table = features_for(settings).table
    assert table.column("transshipment").null_count == table.num_rows
    assert set(table.column("transit_legs").to_pylist()) == {0.0}


def test_money_is_converted_at_the_rate_of_the_shipment_date(world) -> None:
    shipments, features = world
    rates = {  # units per EUR, valid from the first of the month (HKD's first rate reaches back)
        "USD": {1: 1.06, 2: 1.07, 3: 1.08, 4: 1.09},
        "HKD": {1: 8.4, 2: 8.4, 3: 8.4, 4: 8.6},
    }
    converted = set()
    for s in shipments:
        rate = rates.get(s["currency"], {}).get(s["date"].month, 1.0)
        row = features[s["id"]]
        assert row["value_at_stake"] == pytest.approx(s["value_at_stake"] / rate, rel=1e-12)
        assert row["declared_value"] == pytest.approx(s["declared_value"] / rate, rel=1e-12)
        expected = math.log1p(s["declared_value"] / rate)
        assert row["log_declared_value"] == pytest.approx(expected, rel=1e-12)
        converted.add(s["currency"])
    assert converted == {"EUR", "USD", "HKD", "GBP"}


def test_route_reasons_name_the_countries() -> None:
    from ringfence.score.explain import feature_words

    row = {"transshipment": 1.0, "transit_legs": 1.0, "origin_country": "CN",
           "departure_country": "HK"}  # fmt: skip
    assert feature_words("transshipment", row, {}) == (
        "goods made in CN leave from HK with 1 transit leg (transshipment)"
    )
    row.update(transit_legs=2.0, departure_country="CN")
    assert (
        feature_words("transshipment", row, {})
        == "goods routed with 2 transit legs (transshipment)"
    )
    assert feature_words("transshipment", {**row, "transshipment": 0.0}, {}) == (
        "goods leave from their country of origin (CN)"
    )
