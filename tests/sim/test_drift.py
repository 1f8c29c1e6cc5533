"""Drift scenario: a new ring appears on the stated day with fresh accounts and a new route; the
default world has none of it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.errors import UserError
from ringfence.sim import SimulationSummary, simulate
from ringfence.sim.drift import NEW_ROUTE

DAY = 12
START = dt.date(2025, 1, 6)  # SimConfig.start


@pytest.fixture(scope="module")
def drift_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("drift")
    simulate(out, seed=11, days=24, scale=0.5, new_ring_day=DAY)
    return out


def _manifest(world: Path) -> dict[str, list]:
    opts = pcsv.ReadOptions(encoding="latin-1")
    parse = pcsv.ParseOptions(delimiter=";")
    convert = pcsv.ConvertOptions(column_types={"AWB": "string"}, strings_can_be_null=False)
    table = pcsv.read_csv(world / "swiftpost" / "manifest.csv", opts, parse, convert)
    return {c: table.column(c).to_pylist() for c in ("AWB", "Orig Ctry", "Dep Ctry")}


def test_the_ring_appears_on_the_stated_day_with_fresh_accounts(drift_world: Path) -> None:
    drift = pq.read_table(drift_world / "truth" / "drift.parquet").to_pylist()
    assert len(drift) == 1
    ring = drift[0]
    assert ring["first_day"] == DAY and ring["first_date"] == START + dt.timedelta(days=DAY)
    truth = pq.read_table(drift_world / "truth" / "shipments.parquet").to_pandas()
    mine = truth[truth["ring_id"] == ring["ring_id"]]
    assert len(mine) > 5 and mine["is_counterfeit"].all() and not mine["camouflaged"].any()
    assert mine["date"].min() >= ring["first_date"]
    assert set(mine["shipper_entity"]) <= set(ring["accounts"])
    before = truth[truth["date"] < ring["first_date"]]
    # Fresh: none of its accounts (or its drop) ships or receives anything before its first day.
    assert not set(before["shipper_entity"]) & set(ring["accounts"])
    entities = pq.read_table(drift_world / "truth" / "entities.parquet").to_pandas()
    accounts = entities[entities["entity_id"].isin(ring["accounts"])]
    assert len(accounts) == len(ring["accounts"]) and set(accounts["country"]) == {"TH"}
    assert set(accounts["ring_id"]) == {ring["ring_id"]}
    rings = pq.read_table(drift_world / "truth" / "rings.parquet").to_pandas()
    phases = json.loads(rings.set_index("ring_id").loc[ring["ring_id"], "phases"])
    assert [p["start"] for p in phases] == [DAY]


def test_the_ring_takes_a_route_no_one_used_before(drift_world: Path) -> None:
    ring = pq.read_table(drift_world / "truth" / "drift.parquet").to_pylist()[0]
    assert (ring["origin"], ring["departure"]) == NEW_ROUTE
    truth = pq.read_table(drift_world / "truth" / "shipments.parquet").to_pandas()
    rings = dict(zip(truth["source_key"].astype(str), truth["ring_id"], strict=True))
    rows = _manifest(drift_world)
    route = {
        awb: (o, d)
        for awb, o, d in zip(rows["AWB"], rows["Orig Ctry"], rows["Dep Ctry"], strict=True)
    }
    new = [awb for awb, r in rings.items() if r == ring["ring_id"] and awb in route]
    assert new and all(route[awb] == NEW_ROUTE for awb in new)
    others = [awb for awb in route if rings.get(awb) != ring["ring_id"]]
    assert all(route[awb][1] != NEW_ROUTE[1] for awb in others)


def test_the_default_world_has_no_new_ring(small_world: tuple[Path, SimulationSummary]) -> None:
    world, _ = small_world
    assert not (world / "truth" / "drift.parquet").exists()
    assert "scenario" not in json.loads((world / "world.json").read_text())
    departures = _manifest(world)["Dep Ctry"]
    assert NEW_ROUTE[1] not in departures


def test_before_its_day_the_world_is_the_default_one(drift_world: Path, tmp_path: Path) -> None:
    simulate(tmp_path, seed=11, days=24, scale=0.5)
    plain = pq.read_table(tmp_path / "truth" / "shipments.parquet").to_pandas()
    drift = pq.read_table(drift_world / "truth" / "shipments.parquet").to_pandas()
    first = START + dt.timedelta(days=DAY)
    cols = ["source_key", "is_counterfeit", "ring_id", "shipper_entity", "camouflaged"]
    early = plain["date"] < first
    assert (
        plain[early][cols].reset_index(drop=True).equals(drift[early][cols].reset_index(drop=True))
    )
    assert (plain["is_counterfeit"] == drift["is_counterfeit"]).all()  # the rate is unchanged


def test_scenario_is_deterministic_per_seed(drift_world: Path, tmp_path: Path) -> None:
    simulate(tmp_path, seed=11, days=24, scale=0.5, new_ring_day=DAY)
    for name in ("truth/drift.parquet", "truth/shipments.parquet", "world.json"):
        assert (tmp_path / name).read_bytes() == (drift_world / name).read_bytes(), name


def test_cli_refuses_a_day_outside_the_period(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "--out", str(tmp_path), "--days", "5", "--new-ring-day", "5"]
    )
    assert isinstance(result.exception, UserError) and "--new-ring-day" in str(result.exception)
    assert not (tmp_path / "world.json").exists()
