"""The ground truth: rates, rings, aliases and drift look like the brief says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ringfence.model import types
from ringfence.sim import SimulationSummary, aliases, simulate
from ringfence.sim.config import SimConfig
from ringfence.sim.registry import build_registry
from ringfence.sim.world import build_world

World = tuple[Path, SimulationSummary]


def test_counterfeit_base_rate_is_about_one_percent(small_world: World) -> None:
    out, summary = small_world
    truth = pq.read_table(out / "truth" / "shipments.parquet")
    rate = pc.mean(truth["is_counterfeit"].cast("int8")).as_py()
    assert summary.shipments == truth.num_rows == 20_000
    assert 0.007 < rate < 0.013


def test_labels_only_for_inspected_and_inspections_miss_some(small_world: World) -> None:
    truth = pq.read_table(small_world[0] / "truth" / "shipments.parquet").to_pylist()
    inspected = [r for r in truth if r["inspected"]]
    assert all(r["declaration_id"] for r in inspected)
    assert not any(r["seized"] and not r["is_counterfeit"] for r in truth)
    assert 0 < len(inspected) < 0.1 * len(truth)
    fakes_inspected = [r for r in inspected if r["is_counterfeit"]]
    assert fakes_inspected and sum(r["seized"] for r in fakes_inspected) <= len(fakes_inspected)


def test_ring_aliases_share_identifiers_and_differ_in_name() -> None:
    world = build_world(SimConfig(seed=5, days=60, scale=0.5))
    for ring in world.rings:
        names = [a.name_parts for a in ring.aliases]
        assert len(set(names)) == len(names), ring.id
        for a in ring.aliases:
            others = [b for b in ring.aliases if b is not a]
            assert any(a.phone == b.phone or a.email == b.email or a.address == b.address
                       or a.bank == b.bank for b in others), f"{a.id} shares nothing"


def test_renderings_vary_but_phones_stay_the_same_number() -> None:
    world = build_world(SimConfig(seed=5, days=10, scale=0.3))
    reg = build_registry(world)
    phone = types.registry["phone"]
    rendered = reg.rendered.to_pylist()
    ring_rows = [i for i, p in enumerate(reg.named) if p.ring]
    varied = 0
    for i in ring_rows:
        rows = rendered[i * 4 : i * 4 + 4]
        varied += len({r["name"] for r in rows}) > 1
        # A rendering may leave the phone out (missing fields); those written are one number.
        cleaned = {phone.clean(r["phone"], r["country"]) for r in rows if r["phone"]}
        assert len(cleaned) == 1, rows
    assert varied > len(ring_rows) / 2


def test_shared_phone_links_differently_named_mentions_in_the_manifest(small_world: World) -> None:
    out = small_world[0]
    manifest = pacsv.read_csv(out / "swiftpost" / "manifest.csv",
                              pacsv.ReadOptions(encoding="latin-1"),
                              pacsv.ParseOptions(delimiter=";"),
                              pacsv.ConvertOptions(column_types={"Shipper Ref": "string"}))
    parties = pq.read_table(out / "truth" / "parties.parquet").to_pylist()
    ring_of = {p["source_key"]: p["ring_id"] for p in parties
               if p["organisation"] == "swiftpost" and p["role"] == "shipper" and p["ring_id"]}
    by_phone: dict[tuple[str, str], set[str]] = {}
    for ref, name, tel in zip(manifest["Shipper Ref"].to_pylist(),
                              manifest["Shipper Name"].to_pylist(),
                              manifest["Shipper Tel"].to_pylist(), strict=True):
        if ref in ring_of and tel:
            digits = re.sub(r"\D", "", tel)[-8:]
            by_phone.setdefault((ring_of[ref], digits), set()).add(name)
    assert any(len(names) > 1 for names in by_phone.values())


def test_rings_drift_in_route_over_a_long_period(tmp_path: Path) -> None:
    simulate(tmp_path, seed=2, days=240, scale=0.05)
    rings = pq.read_table(tmp_path / "truth" / "rings.parquet").to_pylist()
    assert any(len({p["departure"] for p in json.loads(r["phases"])}) > 1
               for r in rings)


def test_bad_faith_complaints_exist_and_target_legitimate_listings(small_world: World) -> None:
    rows = pq.read_table(small_world[0] / "truth" / "complaints.parquet").to_pylist()
    bad = [r for r in rows if r["bad_faith"]]
    assert bad and len(bad) < len(rows)
    assert not any(r["listing_counterfeit"] for r in bad)


def test_extra_mess_is_on_its_own_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typos in postcodes and cities, swapped names, missing fields: present in noisy
    renderings, and drawn from a side stream, so the rest of the registry is unchanged."""
    config = SimConfig(seed=5, days=10, scale=0.3)
    messy = build_registry(build_world(config)).rendered.to_pylist()
    monkeypatch.setattr(aliases, "MESS_RATES", dict.fromkeys(aliases.MESS_RATES, 0.0))
    clean = build_registry(build_world(config)).rendered.to_pylist()
    assert len(messy) == len(clean)
    for column in ("country", "identifier", "bank_account", "website"):
        assert [r[column] for r in messy] == [r[column] for r in clean]
    changed = {
        column: sum(m[column] != c[column] for m, c in zip(messy, clean, strict=True))
        for column in ("name", "postcode", "city", "street", "phone", "email")
    }
    assert all(count > 0 for count in changed.values()), changed
    # Only noisy renderings get the mess; most fields of most rows are as before.
    assert all(count < len(clean) * 0.1 for count in changed.values()), changed
    pairs = zip(messy, clean, strict=True)
    assert any(m["postcode"] is None and c["postcode"] is not None for m, c in pairs)
