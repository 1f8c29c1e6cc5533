"""The service tests' named world: a small simulated operation plus ``outsider``, an
organisation that shares nothing and is granted nothing, whose rows carry unmistakable markers.

Built once per test session (lake, resolution, network risk, model); each store backend then
gets the demo access (users, keys, standing agreements) and a few inspection tasks and jobs.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.demo import ingest_world
from ringfence.ingest import ingest_files
from ringfence.resolve.network.risk import compute_network_risk
from ringfence.resolve.pipeline import resolve_parties
from ringfence.score.pipeline import train
from ringfence.service.seed import DemoLogin, seed_demo_access
from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tasks import InspectionTaskDraft

OUTSIDER = "outsider"
OUTSIDER_NAME = "Quillonbry Zyxwave Trading"
OUTSIDER_NOTE = "OUTSIDER-SECRET-NOTE-7781"
OUTSIDER_EVIDENCE = "OUTSIDER-CASE-5531"
TARGET_DATE = "2025-02-01"


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _outsider_files(folder: Path) -> dict[str, Path]:
    """The outsider's canonical feeds: two parties, two shipments, a seizure, a watchlist entry."""
    folder.mkdir(parents=True, exist_ok=True)
    parties = [
        {
            "id": "op-1",
            "name": OUTSIDER_NAME,
            "country": "MT",
            "phone": "+35621999001",
            "email": "q@quillonbry.example",
            "role": "shipper",
        },
        {
            "id": "op-2",
            "name": "Vexmorrow Ulbany Imports",
            "country": "MT",
            "phone": "+35621999002",
            "role": "consignee",
        },
    ]
    shipments = [
        {
            "id": f"os-{i}",
            "date": "2025-01-20",
            "origin_country": "MT",
            "port": "VLT",
            "hs_code": "640419",
            "description": "outsider boots",
            "declared_value": "10",
            "currency": "EUR",
            "shipper": "op-1",
            "consignee": "op-2",
        }
        for i in (1, 2)
    ]
    outcomes = [
        {
            "id": "oo-1",
            "shipment": "os-1",
            "label": "counterfeit",
            "positive": "1",
            "date": "2025-01-21",
            "result": "seized",
            "goods_found": "outsider boots",
            "brand": "Glacier Line",
            "units": "3",
            "value": "99",
            "currency": "EUR",
        },
    ]
    watchlist = [
        {
            "id": "ow-1",
            "name": OUTSIDER_NAME,
            "country": "MT",
            "phone": "+35621999001",
            "notes": OUTSIDER_NOTE,
            "evidence_ref": OUTSIDER_EVIDENCE,
            "brand": "Glacier Line",
        },
    ]
    return {
        "parties": _write_csv(folder / "parties.csv", parties),
        "shipments": _write_csv(folder / "shipments.csv", shipments),
        "outcomes": _write_csv(folder / "outcomes.csv", outcomes),
        "watchlist": _write_csv(folder / "watchlist.csv", watchlist),
    }


def build_lake(data_dir: Path) -> None:
    """Simulate, ingest (with the outsider), resolve, compute network risk and train."""
    settings = Settings(data_dir=data_dir)
    simulate(data_dir / "world", seed=7, days=30, scale=0.05)
    ingest_world(settings, data_dir / "world")
    with OperationalStore.open(settings) as store:
        store.ensure_organisation(OUTSIDER, "Outsider Ltd", "partner")
    for feed, path in _outsider_files(data_dir / "outsider").items():
        ingest_files(settings, feed, [path], organisation=OUTSIDER)
    resolve_parties(settings)
    compute_network_risk(settings)
    train(settings)


@dataclass
class World:
    """What tests need to know about the prepared world on one store backend."""

    settings: Settings
    logins: dict[tuple[str, str], DemoLogin]
    keys: dict[tuple[str, str], str]  # (organisation, role) → API key of that user
    kinds: dict[str, str]
    tasks: dict[str, list[int]] = field(default_factory=dict)  # organisation → task ids
    jobs: dict[str, int] = field(default_factory=dict)  # organisation → a job id
    facts: dict[str, Any] = field(default_factory=dict)

    def key(self, organisation: str, role: str = "admin") -> str:
        """The API key of the organisation's user with ``role``."""
        return self.keys[(organisation, role)]

    def headers(self, organisation: str, role: str = "admin") -> dict[str, str]:
        """Request headers authenticating as that user by API key."""
        return {"Authorization": f"Bearer {self.key(organisation, role)}"}

    @property
    def organisations(self) -> list[str]:
        """Every organisation of the world, by slug."""
        return sorted(self.kinds)


def lake_rows(settings: Settings, dataset: str, sql: str) -> list[dict[str, Any]]:
    """Ground truth straight from the lake (tests compare the API against it)."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, dataset)
        if dataset == "outcomes":
            lake.register(engine, "shipments")
        return engine.query(sql).to_pylist()
    finally:
        engine.close()


def prepare_access(settings: Settings) -> World:
    """Organisations, demo users with keys, standing agreements, a queue and a job per org."""
    with OperationalStore.open(settings) as store:
        manifest_orgs = {o.slug: o.kind for o in store.organisations()}
        if OUTSIDER not in manifest_orgs:  # a fresh (PostgreSQL) store: register the world
            manifest = json.loads((settings.data_dir / "world" / "world.json").read_text())
            for org in manifest["organisations"]:
                store.ensure_organisation(org["slug"], org["name"], org["kind"])
            store.ensure_organisation(OUTSIDER, "Outsider Ltd", "partner")
        logins = {(x.organisation, x.role): x for x in seed_demo_access(store)}
        keys = {}
        for (organisation, role), login in logins.items():
            user_id = next(u.id for u in store.users(organisation) if u.email == login.email)
            keys[(organisation, role)] = store.create_api_key(organisation, user_id)
        kinds = {o.slug: o.kind for o in store.organisations()}
        world = World(settings=settings, logins=logins, keys=keys, kinds=kinds)
        _queue(world, store)
        for organisation in kinds:
            world.jobs[organisation] = store.create_job(
                organisation, "ingest", actor="test", detail={"file": f"{organisation}.csv"}
            )
    return world


def _queue(world: World, store: OperationalStore) -> None:
    """Customs gets a queue on the carrier's parcels; the outsider one on its own."""
    carrier = lake_rows(
        world.settings,
        "shipments",
        "SELECT id, port FROM shipments WHERE organisation = 'swiftpost' ORDER BY id LIMIT 6",
    )
    outsider = lake_rows(
        world.settings,
        "shipments",
        f"SELECT id, port FROM shipments WHERE organisation = '{OUTSIDER}' ORDER BY id",
    )
    plans = {"customs-nl": carrier, OUTSIDER: outsider}
    for organisation, rows in plans.items():
        drafts = [
            InspectionTaskDraft(
                shipment_id=row["id"],
                rank=rank,
                label="counterfeit",
                probability=0.5,
                expected_value=1.0,
                selected_by="exploit" if rank % 3 else "explore",
                selection_probability=1.0 if rank % 3 else 0.5,
                port=row["port"],
                reasons={"counterfeit": ["test reason"]},
            )
            for rank, row in enumerate(rows, start=1)
        ]
        world.tasks[organisation] = store.write_inspection_tasks(
            organisation, TARGET_DATE, drafts, actor="test"
        )
