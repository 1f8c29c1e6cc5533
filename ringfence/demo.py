"""The demo operation: simulate a world, run every stage of the loop built so far, report.

``ringfence demo`` calls ``run_demo``; later stages (resolution, scoring, targeting, the service)
add themselves here so the demo always shows the whole operation so far.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ringfence.act import sync_outcomes
from ringfence.demo_market import MarketReport
from ringfence.errors import UserError
from ringfence.ingest import IngestSummary, ingest_files
from ringfence.model.feeds import feeds
from ringfence.model.records import make_id
from ringfence.resolve.network.expand import Neighbourhood, expand_entity
from ringfence.resolve.network.risk import NetworkRiskSummary, compute_network_risk
from ringfence.resolve.pipeline import ResolutionSummary, resolve_parties
from ringfence.resolve.screen import ScreeningIndex
from ringfence.score.pipeline import train
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.target.daily import InspectionPlan, target_day

Progress = Callable[..., Any]


@dataclass
class DemoReport:
    """What the demo did and what the stores hold afterwards."""

    world_dir: Path
    ingests: list[tuple[str, str, IngestSummary]] = field(default_factory=list)
    holdings: list[dict[str, Any]] = field(default_factory=list)
    quarantine_reasons: list[dict[str, Any]] = field(default_factory=list)
    resolution: ResolutionSummary | None = None
    network: NetworkRiskSummary | None = None
    seizure: Neighbourhood | None = None
    shippers_screened: int = 0
    shipper_hits: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""
    riskiest: list[dict[str, Any]] = field(default_factory=list)
    plan: InspectionPlan | None = None
    yesterday: InspectionPlan | None = None
    acted: dict[str, int] = field(default_factory=dict)
    latest_scored: list[dict[str, Any]] = field(default_factory=list)
    market: MarketReport | None = None  # ``ringfence demo`` adds it (demo_market.run_market)


def run_demo(
    settings: Settings,
    *,
    seed: int = 7,
    days: int | None = None,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> DemoReport:
    """Simulate a world into the data directory, ingest every partner's feeds, summarise."""
    world_dir = settings.data_dir / "demo-world"
    sim_args: dict[str, Any] = {"seed": seed, "scale": scale}
    if days is not None:
        sim_args["days"] = days
    simulate(world_dir, progress=progress, **sim_args)
    report = DemoReport(world_dir=world_dir)
    report.ingests = ingest_world(settings, world_dir, progress)
    report.holdings, report.quarantine_reasons = _holdings(settings)
    report.resolution = resolve_parties(settings, progress=progress)
    report.network = compute_network_risk(settings, progress=progress)
    report.shippers_screened, report.shipper_hits = _screen_latest_shippers(settings)
    seized = _latest_seizure(settings)
    if seized is not None:
        report.seizure = expand_entity(settings, seized, hops=2, limit=8)
    model, _ = train(settings, progress=progress)
    report.model_version = model.version
    report.latest_scored = _scored_latest(settings)
    report.riskiest = report.latest_scored[:10]
    latest = _latest_arrival_day(settings)
    if latest is not None:
        report.yesterday = _inspections(settings, latest - dt.timedelta(days=1))
        report.acted = _inspect_and_learn(settings, world_dir, report.yesterday)
        report.plan = _inspections(settings, latest)
    return report


# Customs opens about 1 % of the day's parcels in the demo world (~2,000 arrivals a day).
DEMO_CAPACITY = 20
DEMO_CUSTOMS, DEMO_CARRIER = "customs-nl", "swiftpost"


def _latest_arrival_day(settings: Settings) -> dt.date | None:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "shipments"):
            return None
        latest = engine.scalar(
            f"SELECT max(date) FROM shipments WHERE organisation = '{DEMO_CARRIER}'"
        )
    finally:
        engine.close()
    return latest if isinstance(latest, dt.date) else None


def _inspections(settings: Settings, day: dt.date) -> InspectionPlan:
    """Customs' inspection list for ``day``, written to its queue (the web UI shows it).

    Only the carrier's manifest lines are targeted: in the simulated world the customs
    declaration of a parcel is the same parcel, and outcomes are recorded on the manifest line.
    """
    return target_day(
        settings,
        day,
        DEMO_CAPACITY,
        organisation=DEMO_CUSTOMS,
        actor="demo",
        source=DEMO_CARRIER,
        seed=7,
    )


# Network risk is 1 for a typical seed; 0.9 keeps entities about as close to seeds as seeds are.
_RISKY = 0.9
_SHIPPERS_OF_LATEST_DAY = (
    "SELECT DISTINCT p.name, p.country, p.phone, p.email, p.identifier, p.street, p.city, "
    "p.postcode FROM shipments s JOIN parties p ON p.id = s.shipper_ref "
    "WHERE s.date = (SELECT max(date) FROM shipments WHERE shipper_ref IS NOT NULL)"
)


def ingest_world(
    settings: Settings, world_dir: Path, progress: Progress | None = None
) -> list[tuple[str, str, IngestSummary]]:
    """Register a simulated world's organisations and ingest every feed its world.json lists,
    in the listed order; returns (organisation, feed, summary) per feed."""
    manifest = json.loads((world_dir / "world.json").read_text(encoding="utf-8"))
    with OperationalStore.open(settings) as store:
        for org in manifest["organisations"]:
            store.ensure_organisation(org["slug"], org.get("name"), org.get("kind", "partner"))
    done = []
    for entry in manifest["feeds"]:
        summary = ingest_files(
            settings,
            entry["kind"],
            [world_dir / entry["path"]],
            mapping=entry.get("mapping"),
            organisation=entry["organisation"],
            progress=progress,
        )
        done.append((entry["organisation"], entry["kind"], summary))
    return done


def _inspect_and_learn(settings: Settings, world_dir: Path, plan: InspectionPlan) -> dict[str, int]:
    """Officers open yesterday's parcels: what they find (the simulated truth) is recorded
    against each task, then flows back into the lake as labels and onto the watchlist."""
    truth = pq.read_table(world_dir / "truth" / "shipments.parquet").to_pylist()
    fake = {
        make_id(DEMO_CARRIER, "shipments", row["source_key"]): row
        for row in truth
        if row["is_counterfeit"]
    }
    with OperationalStore.open(settings) as store:
        tasks = store.inspection_tasks(DEMO_CUSTOMS, target_date=plan.target_date, status="open")
        declared = _declarations(settings, [t.shipment_id for t in tasks if t.shipment_id in fake])
        for task in tasks:
            found = fake.get(task.shipment_id)
            store.record_outcome(
                DEMO_CUSTOMS,
                task.shipment_id,
                label="counterfeit",
                positive=found is not None,
                result="seized" if found else "clear",
                task_id=task.id,
                actor="demo-officer",
                details=seizure_details(found, declared.get(task.shipment_id)) if found else {},
            )
    synced = sync_outcomes(settings)
    return {
        "inspected": len(tasks),
        "seized": sum(task.shipment_id in fake for task in tasks),
        "new_labels": synced.new_labels,
        "watchlisted": sum(s.accepted for s in synced.watchlist.values()),
    }


def _declarations(settings: Settings, ids: list[str]) -> dict[str, dict[str, Any]]:
    """What the shipments ``ids`` declared (goods, units, value, currency), by shipment id."""
    if not ids:
        return {}
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "shipments"):
            return {}
        quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
        rows = engine.query(
            "SELECT id, description, quantity, declared_value, currency FROM shipments "
            f"WHERE id IN ({quoted})"
        ).to_pylist()
    finally:
        engine.close()
    return {str(row["id"]): row for row in rows}


def seizure_details(found: dict[str, Any], declared: dict[str, Any] | None) -> dict[str, Any]:
    """A demo seizure's details as an officer records them: the brand found and what the
    declaration said was in the parcel (goods, units, value and currency)."""
    row = declared or {}
    details: dict[str, Any] = {
        "brand": found.get("brand"),
        "goods_found": row.get("description"),
        "units": int(row["quantity"]) if row.get("quantity") is not None else None,
        "value": float(row["declared_value"]) if row.get("declared_value") is not None else None,
        "currency": row.get("currency"),
    }
    return {key: value for key, value in details.items() if value not in (None, "")}


def _screen_latest_shippers(settings: Settings) -> tuple[int, list[dict[str, Any]]]:
    """Screen the latest day's shippers; keep those matching a watchlisted or risky entity."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not (lake.register(engine, "shipments") and lake.register(engine, "parties")):
            return 0, []
        shippers = engine.query(_SHIPPERS_OF_LATEST_DAY).to_pylist()
    finally:
        engine.close()
    index = ScreeningIndex.load(settings)
    hits = []
    for shipper in shippers:
        for match in index.screen(shipper, limit=3):
            risky = match.watchlisted or (match.network_risk or 0.0) >= _RISKY
            if match.score >= 0.5 and risky:
                hits.append({"shipper": shipper["name"], **match.as_dict()})
                break
    hits.sort(key=lambda h: (not h["watchlisted"], -(h["network_risk"] or 0.0)))
    return len(shippers), hits


def _latest_seizure(settings: Settings) -> str | None:
    """Id of the shipment of the most recent seizure, the natural start of an investigation."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "outcomes"):
            return None
        found = engine.scalar(
            "SELECT shipment_ref FROM outcomes WHERE result = 'seized' AND positive "
            "ORDER BY date DESC, shipment_ref LIMIT 1"
        )
        return str(found) if found is not None else None
    finally:
        engine.close()


def _scored_latest(settings: Settings) -> list[dict[str, Any]]:
    """The latest day's shipments with their scores and reasons, highest score first.

    Only shipments of organisations whose shipments carry labels are scored: a model has
    learnt nothing about feeds it never saw an outcome for (customs declarations whose
    inspections are reported against the carrier's manifest lines, in the simulated world).
    """
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, "shipments")
        lake.register(engine, "outcomes")
        ids = (
            engine.query(
                "WITH labelled AS (SELECT DISTINCT s.organisation FROM outcomes o "
                "  JOIN shipments s ON s.id = o.shipment_ref), "
                "candidates AS (SELECT s.id, s.date FROM shipments s "
                "  WHERE s.organisation IN (SELECT organisation FROM labelled)) "
                "SELECT id FROM candidates WHERE date = (SELECT max(date) FROM candidates)"
            )
            .column("id")
            .to_pylist()
        )
    finally:
        engine.close()
    if not ids:
        return []
    scored = score_shipments(settings, shipment_ids=ids)
    scored.sort(key=lambda row: -max(row["scores"].values(), default=0.0))
    return scored


def _holdings(settings: Settings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records per feed and organisation, and the commonest quarantine reasons."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        rows: list[dict[str, Any]] = []
        for name in feeds():
            if lake.register(engine, name):
                rows += engine.query(
                    f"SELECT '{name}' AS feed, organisation, count(*) AS records "
                    f"FROM {name} GROUP BY organisation ORDER BY organisation"
                ).to_pylist()
        reasons: list[dict[str, Any]] = []
        if lake.register(engine, "quarantine"):
            reasons = engine.query(
                "SELECT feed, organisation, field, "
                "regexp_replace(reason, ' \\(.*\\)$', '') AS reason, count(*) AS rows "
                "FROM quarantine GROUP BY ALL ORDER BY rows DESC LIMIT 12"
            ).to_pylist()
        return rows, reasons
    finally:
        engine.close()


def require_empty_or_demo(data_dir: Path) -> None:
    """Refuse to run the demo over a data directory that holds real (non-demo) data."""
    if data_dir.exists() and any(data_dir.iterdir()) and not (data_dir / "demo-world").exists():
        raise UserError(
            f"{data_dir} already holds data that is not the demo's; "
            "set RINGFENCE_DATA_DIR to an empty folder for the demo"
        )
