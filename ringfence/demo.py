"""The demo operation: simulate a world, run every stage of the loop built so far, report.

``ringfence demo`` calls ``run_demo``; later stages (resolution, scoring, targeting, the service)
add themselves here so the demo always shows the whole operation so far.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.errors import UserError
from ringfence.ingest import IngestSummary, ingest_files
from ringfence.model.feeds import feeds
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
    report.riskiest = _riskiest_latest(settings)
    return report


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


def _riskiest_latest(settings: Settings, top: int = 10) -> list[dict[str, Any]]:
    """The latest day's shipments with the highest scores, with their reasons.

    Only shipments of organisations whose shipments carry labels are scored: a model has
    learnt nothing about feeds it never saw an outcome for (customs declarations whose
    inspections are reported against the carrier's manifest lines, in the simulated world).
    """
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, "shipments")
        lake.register(engine, "outcomes")
        ids = engine.query(
            "WITH labelled AS (SELECT DISTINCT s.organisation FROM outcomes o "
            "  JOIN shipments s ON s.id = o.shipment_ref), "
            "candidates AS (SELECT s.id, s.date FROM shipments s "
            "  WHERE s.organisation IN (SELECT organisation FROM labelled)) "
            "SELECT id FROM candidates WHERE date = (SELECT max(date) FROM candidates)"
        ).column("id").to_pylist()
    finally:
        engine.close()
    if not ids:
        return []
    scored = score_shipments(settings, shipment_ids=ids)
    scored.sort(key=lambda row: -max(row["scores"].values(), default=0.0))
    return scored[:top]


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
