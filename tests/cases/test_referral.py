"""A case exported as a referral: FtM lines that validate, reference nothing outside the file,
and carry the case's parties, shipments, seizures, listings, sellers and evidence; the bundle
holds the evidence under the hashes its manifest states."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model

from ringfence.cases.referral import write_referral
from ringfence.cases.service import add_evidence_file, add_item
from ringfence.cases.vault import sha256_of
from ringfence.demo import ingest_world
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.sim.run import simulate
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("referral")
    settings = Settings(data_dir=root / "data")
    simulate(root / "world", seed=7, days=30, scale=0.05)
    ingest_world(settings, root / "world")
    resolve_parties(settings)
    return settings


def _one(settings: Settings, sql: str, *datasets: str) -> str:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        for name in datasets:
            lake.register(engine, name)
        return str(engine.query(sql).column(0)[0].as_py())
    finally:
        engine.close()


def _references(entity: dict[str, Any]) -> list[str]:
    schema = model.get(entity["schema"])
    assert schema is not None
    found = []
    for name, values in entity["properties"].items():
        prop = schema.get(name)
        if prop is not None and prop.type.name == "entity":
            found += values
    return found


def test_a_referral_is_complete_valid_ftm(world: Settings, tmp_path: Path) -> None:
    seized = _one(
        world, "SELECT shipment_ref FROM outcomes WHERE positive ORDER BY 1 LIMIT 1", "outcomes"
    )
    listing = _one(world, "SELECT id FROM listings ORDER BY id LIMIT 1", "listings")
    photo = tmp_path / "seizure.jpg"
    photo.write_bytes(b"\xff\xd8 the seized goods")
    with OperationalStore.open(world) as store:
        store.ensure_organisation("ipr-center")
        case = store.open_case("ipr-center", "Seized watches", actor="test").id
        for kind, ref in (("shipment", seized), ("listing", listing)):
            add_item(world, store, case, kind, ref, actor="test")
        add_evidence_file(
            world, store, case, photo, kind="photo", custodian="Officer A", actor="test"
        )
        manifest = write_referral(
            world, store, case, tmp_path / "case.ftm.jsonl", tmp_path / "bundle"
        )
    lines = (tmp_path / "case.ftm.jsonl").read_text(encoding="utf-8").splitlines()
    entities = [json.loads(line) for line in lines]
    for entity in entities:
        model.get_proxy(entity, cleaned=False)  # raises on an invalid entity
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities) == manifest["ftm"]["entities"]
    dangling = {r for e in entities for r in _references(e)} - ids
    assert not dangling
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for e in entities:
        by_schema.setdefault(e["schema"], []).append(e)
    events = by_schema["Event"]
    shipment = next(e for e in events if e["properties"]["name"][0].startswith("Shipment"))
    assert len(shipment["properties"]["involved"]) >= 2  # its parties, as entities in the file
    seizure = next(e for e in events if e["properties"]["name"][0].startswith("Seizure"))
    assert seizure["properties"]["involved"] == [shipment["id"]]
    assert by_schema["Asset"] and by_schema["UserAccount"] and by_schema["Document"]
    (evidence,) = manifest["evidence"]
    assert sha256_of(tmp_path / "bundle" / evidence["file"]) == evidence["sha256"]
    assert manifest["ftm"]["sha256"] == sha256_of(tmp_path / "case.ftm.jsonl")
    page = (tmp_path / "bundle" / "summary.html").read_text(encoding="utf-8")
    assert evidence["sha256"] in page and "Officer A" in page and "Seized watches" in page
