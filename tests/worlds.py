"""A small prepared world for service and browser tests: every partner's data, users, a queue.

``prepare_world`` simulates a small operation (a few thousand shipments), runs the demo's loop
over it (ingest, resolution, network risk, model training), seeds the demo organisations' users
and standing sharing agreements, and writes one day's inspection list for each customs
organisation from the model's scores, with a few exploration picks. It takes about 10 seconds;
build it once per test session.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.demo import DemoReport, run_demo
from ringfence.service.seed import DemoLogin, seed_demo_access
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tasks import InspectionTaskDraft

QUEUE_SIZE = 12
EXPLORE_PICKS = 3
EXPLORE_PROBABILITY = 0.05


@dataclass
class PreparedWorld:
    """The settings of a prepared world, its demo logins and the queue it was given."""

    settings: Settings
    report: DemoReport
    logins: list[DemoLogin]
    target_date: str | None
    queued: dict[str, list[str]] = field(default_factory=dict)  # organisation → shipment ids

    def login(self, organisation_kind: str, role: str) -> DemoLogin:
        """The first demo login of an organisation of this kind with this role."""
        for login in self.logins:
            if login.kind == organisation_kind and login.role == role:
                return login
        raise LookupError(f"no demo login for a {role} of a {organisation_kind} organisation")

    def login_of(self, organisation: str, role: str) -> DemoLogin:
        """The demo login of ``organisation`` with ``role``."""
        for login in self.logins:
            if login.organisation == organisation and login.role == role:
                return login
        raise LookupError(f"no demo login for a {role} of {organisation!r}")


def prepare_world(
    data_dir: Path,
    *,
    database_url: str | None = None,
    seed: int = 7,
    days: int = 40,
    scale: float = 0.1,
) -> PreparedWorld:
    """Build the world into ``data_dir`` (and the operational store at ``database_url``)."""
    settings = Settings(data_dir=data_dir, database_url=database_url)
    report = run_demo(settings, seed=seed, days=days, scale=scale)
    with OperationalStore.open(settings) as store:
        logins = seed_demo_access(store)
        customs = [o.slug for o in store.organisations() if o.kind == "customs"]
    target_date, candidates = _latest_labelled_shipments(settings)
    queued: dict[str, list[str]] = {}
    if target_date is not None and candidates:
        drafts = _drafts(settings, candidates, seed)
        with OperationalStore.open(settings) as store:
            for organisation in customs:
                store.write_inspection_tasks(organisation, target_date, drafts, actor="test-world")
                queued[organisation] = [d.shipment_id for d in drafts]
    return PreparedWorld(settings, report, logins, target_date, queued)


def _latest_labelled_shipments(settings: Settings) -> tuple[str | None, list[dict[str, Any]]]:
    """The latest day's shipments of organisations whose shipments carry inspection outcomes."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not (lake.register(engine, "shipments") and lake.register(engine, "outcomes")):
            return None, []
        rows = engine.query(
            "WITH labelled AS (SELECT DISTINCT s.organisation FROM outcomes o "
            "  JOIN shipments s ON s.id = o.shipment_ref), "
            "candidates AS (SELECT id, date, port, value_at_stake FROM shipments "
            "  WHERE organisation IN (SELECT organisation FROM labelled)) "
            "SELECT id, CAST(date AS VARCHAR) AS date, port, value_at_stake FROM candidates "
            "WHERE date = (SELECT max(date) FROM candidates) ORDER BY id"
        ).to_pylist()
    finally:
        engine.close()
    return (rows[0]["date"] if rows else None), rows


def _drafts(
    settings: Settings, candidates: list[dict[str, Any]], seed: int
) -> list[InspectionTaskDraft]:
    """The riskiest shipments (model picks) plus a few random ones (exploration picks)."""
    from ringfence.score.serve import score_shipments

    by_id = {c["id"]: c for c in candidates}
    scored = score_shipments(settings, shipment_ids=list(by_id))
    scored.sort(key=lambda row: -max(row["scores"].values(), default=0.0))
    exploit = scored[: QUEUE_SIZE - EXPLORE_PICKS]
    rest = scored[QUEUE_SIZE - EXPLORE_PICKS :]
    explore = random.Random(seed).sample(rest, min(EXPLORE_PICKS, len(rest)))
    drafts = []
    for rank, (row, kind) in enumerate(
        [(r, "exploit") for r in exploit] + [(r, "explore") for r in explore], start=1
    ):
        label, probability = max(row["scores"].items(), key=lambda item: item[1])
        stake = by_id[row["id"]].get("value_at_stake")
        drafts.append(
            InspectionTaskDraft(
                shipment_id=row["id"],
                rank=rank,
                label=label,
                probability=min(max(float(probability), 0.0), 1.0),
                expected_value=float(probability) * float(stake or 0.0),
                selected_by=kind,
                selection_probability=1.0 if kind == "exploit" else EXPLORE_PROBABILITY,
                reasons=row["reasons"],
                port=by_id[row["id"]].get("port"),
                value_at_stake=stake,
                model_version=row["model_version"],
            )
        )
    return drafts
