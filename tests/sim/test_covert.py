"""How rings hide: camouflaged rings behind legitimate accounts, mule addresses, transit legs."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ringfence.sim import SimulationSummary, simulate
from ringfence.sim.config import SimConfig
from ringfence.sim.vocab import GENERIC_GOODS
from ringfence.sim.world import build_world

World = tuple[Path, SimulationSummary]
_TEXT = ("AWB", "Shipper Ref", "Receiver Ref", "Via", "HS Code", "Pcs", "Value (ct)",
         "Weight (g)")


def _manifest(out: Path) -> list[dict[str, str]]:
    table = pacsv.read_csv(out / "swiftpost" / "manifest.csv",
                           pacsv.ReadOptions(encoding="latin-1"),
                           pacsv.ParseOptions(delimiter=";"),
                           pacsv.ConvertOptions(column_types={c: pa.string() for c in _TEXT},
                                                strings_can_be_null=False))
    return table.to_pylist()


def _truth(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / "truth" / f"{name}.parquet").to_pylist()


def test_camouflaged_rings_ship_through_accounts_that_also_ship_honest_goods(
    small_world: World,
) -> None:
    out, summary = small_world
    truth = _truth(out, "shipments")
    kinds = {e["entity_id"]: e["kind"] for e in _truth(out, "entities")}
    camo = [t for t in truth if t["camouflaged"]]
    assert camo and summary.camouflaged == len(camo) < summary.counterfeit
    assert all(t["is_counterfeit"] and t["ring_id"] for t in camo)
    hosts = {t["shipper_entity"] for t in camo}
    assert {kinds[h] for h in hosts} == {"merchant"}
    honest = {t["shipper_entity"] for t in truth if not t["is_counterfeit"]}
    assert hosts <= honest
    rings = {r["ring_id"]: r for r in _truth(out, "rings")}
    assert all(t["shipper_entity"] in rings[t["ring_id"]]["hosts"] for t in camo)


def test_camouflaged_parcels_read_like_the_hosts_generic_goods(small_world: World) -> None:
    out = small_world[0]
    truth = _truth(out, "shipments")
    rows = _manifest(out)
    goods = {g[0]: g for g in GENERIC_GOODS}
    host_departures: dict[str, set[str]] = defaultdict(set)
    for t, r in zip(truth, rows, strict=True):
        if not t["is_counterfeit"]:
            host_departures[t["shipper_entity"]].add(r["Dep Ctry"])
    camo = [(t, r) for t, r in zip(truth, rows, strict=True) if t["camouflaged"]]
    for t, r in camo:
        good = goods[r["Contents"]]  # an unbranded good honest merchants ship
        assert r["HS Code"].replace(".", "") == good[1]
        assert r["Orig Ctry"] == r["Shipper Ctry"]
        assert r["Dep Ctry"] in host_departures[t["shipper_entity"]] | {"HK"}
        unit_eur = int(r["Value (ct)"]) / 100 / int(r["Pcs"]) / {"HKD": 8.4, "USD": 1.08,
                                                                 "GBP": 0.85}[r["Cur"]]
        assert 0.6 * good[2] - 0.01 <= unit_eur <= good[3] + 0.01, r
        unit_kg = (int(r["Weight (g)"]) / 1000 - 0.15) / int(r["Pcs"])
        assert 0.9 * good[4] - 0.001 <= unit_kg <= 1.3 * good[4] + 0.001, r


def test_without_camouflage_only_those_rings_parcels_change(tmp_path: Path) -> None:
    """The knob uses its own random streams: switching it off changes no other parcel."""
    on, off = tmp_path / "on", tmp_path / "off"
    simulate(on, seed=3, days=3, scale=0.2)
    summary = simulate(off, seed=3, days=3, scale=0.2, camouflage_share=0.0)
    assert summary.camouflaged == 0
    camo = [t["camouflaged"] for t in _truth(on, "shipments")]
    assert any(camo)
    for flag, a, b in zip(camo, _manifest(on), _manifest(off), strict=True):
        assert (a == b) != flag
    assert _truth(on, "entities") == _truth(off, "entities")


def test_mule_addresses_receive_for_many_names(small_world: World) -> None:
    out = small_world[0]
    rings = [r for r in _truth(out, "rings") if r["mules"]]
    assert rings
    entities = {e["entity_id"]: e for e in _truth(out, "entities")}
    world = build_world(SimConfig(seed=11, days=10, scale=1.0))
    for ring in world.rings:
        if ring.mules:
            assert 3 <= len(ring.mules) <= 8
            assert len({m.address for m in ring.mules}) == 1
            assert len({m.name_parts for m in ring.mules}) == len(ring.mules)
    truth, rows = _truth(out, "shipments"), _manifest(out)
    parties = {(p["role"], p["source_key"]): p["entity_id"] for p in _truth(out, "parties")
               if p["organisation"] == "swiftpost"}
    received = []
    for ring in rings:
        assert set(ring["mules"]) <= set(ring["drops"])
        assert all(entities[m]["ring_id"] == ring["ring_id"] for m in ring["mules"])
        got = [(t, r) for t, r in zip(truth, rows, strict=True)
               if parties[("consignee", r["Receiver Ref"])] in ring["mules"]]
        assert all(t["ring_id"] == ring["ring_id"] for t, _ in got)
        assert all(r["Dest Ctry"] == entities[ring["mules"][0]]["country"] for _, r in got)
        received += [r for _, r in got]
    # Several names at one address, and not only bulk: consumer-sized parcels too.
    assert len({r["Receiver Name"] for r in received}) > 2
    assert "EXP-PCL" in {r["Service"] for r in received}


def test_warehouses_still_receive_for_many_legitimate_companies() -> None:
    world = build_world(SimConfig(seed=11, days=10, scale=1.0))
    at: dict[object, int] = defaultdict(int)
    for c in world.companies:
        at[c.address] += 1
    assert max(at.values()) >= 3


def test_transit_legs_are_common_and_rings_lean_on_them(small_world: World) -> None:
    out = small_world[0]
    truth, rows = _truth(out, "shipments"), _manifest(out)
    via = np.array([r["Via"] != "" for r in rows])
    fake = np.array([t["is_counterfeit"] for t in truth])
    camo = np.array([t["camouflaged"] for t in truth])
    assert 0.1 < via[~fake].mean() < 0.2
    assert via[fake & ~camo].mean() > via[~fake].mean()
    hubs = {h for r in rows for h in r["Via"].split("/") if h}
    assert hubs <= {"AE", "HK", "SG", "TR", "MY", "DE", "BE"}
    assert all(r["Via"].split("/")[0] != r["Dep Ctry"] for r in rows if r["Via"])
