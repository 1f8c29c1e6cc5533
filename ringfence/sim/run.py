"""``simulate``: build the world, write every partner's feeds, the manifest and the truth."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.sim import (
    carrier,
    customs,
    drift,
    marketplace,
    notices,
    partners,
    rates,
    seller_signals,
)
from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import (
    BRAND_ORGS,
    CARRIER,
    CUSTOMS,
    DEFAULT_DAYS,
    IPCRIME,
    MARKETPLACE,
    ORGANISATIONS,
    SimConfig,
)
from ringfence.sim.registry import build_registry
from ringfence.sim.shipments import Shipments, build_vocab, generate
from ringfence.sim.truth import TruthLog
from ringfence.sim.world import World, build_world

Progress = Callable[..., Any]
STEPS = ("world", "shipments", "carrier", "customs", "marketplace", "partners", "truth")


@dataclass
class SimulationSummary:
    """What a simulation wrote: sizes, base rates and where the files are."""

    out_dir: Path
    seed: int
    days: int
    scale: float
    shipments: int = 0
    counterfeit: int = 0
    camouflaged: int = 0  # counterfeit shipments sent through legitimate merchants' accounts
    declarations: int = 0
    inspected: int = 0
    seized: int = 0
    rings: int = 0
    sellers: int = 0
    listings: int = 0
    complaints: int = 0
    pageviews: int = 0
    watchlist: int = 0
    malformed: int = 0
    seconds: float = 0.0
    feeds: list[dict[str, str]] = field(default_factory=list)
    truth_rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for ``--json`` output and the demo)."""
        out = asdict(self)
        out["out_dir"] = str(self.out_dir)
        return out


def _feed(org: str, kind: str, path: str, mapping: str) -> dict[str, str]:
    return {"organisation": org, "kind": kind, "path": path, "mapping": f"sim-{org}-{mapping}"}


def simulate(out_dir: Path, seed: int = 7, days: int = DEFAULT_DAYS, scale: float = 1.0,
             progress: Progress | None = None,
             camouflage_share: float = SimConfig.camouflage_share,
             new_ring_day: int | None = None) -> SimulationSummary:
    """Simulate ``days`` of trade (``2,000 x scale`` shipments a day) into ``out_dir``.

    Writes each partner's feeds in its own format, ``world.json`` listing them in ingestion
    order with their mapping names, and the ground truth under ``truth/``. The same arguments
    always give byte-identical files. Never prints; ``progress(task, done, total)`` if given.
    ``camouflage_share`` is the share of rings shipping through legitimate accounts (0: none);
    ``new_ring_day`` starts the drift scenario: a new ring from that day on (``drift.py``).
    """
    started = time.perf_counter()
    cfg = SimConfig(seed=seed, days=days, scale=scale, camouflage_share=camouflage_share,
                    new_ring_day=new_ring_day)
    out = Path(out_dir)
    for sub in (CARRIER, CUSTOMS, MARKETPLACE, IPCRIME, "truth", *BRAND_ORGS):
        shutil.rmtree(out / sub, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)

    def step(i: int) -> None:
        if progress is not None:
            progress("simulate", i, len(STEPS))

    summary = SimulationSummary(out, seed, days, scale)
    truth = TruthLog()
    world = _trade(cfg, out, truth, summary, step)
    np_files, lu_files = _market(world, out, truth, summary, step)
    summary.truth_rows = truth.save(out / "truth")
    summary.feeds = _feeds(np_files, lu_files)
    _write_manifest(out, cfg, summary.feeds)
    summary.malformed = summary.truth_rows.get("malformed", 0)
    summary.seconds = round(time.perf_counter() - started, 2)
    step(len(STEPS))
    return summary


def _trade(cfg: SimConfig, out: Path, truth: TruthLog, summary: SimulationSummary,
           step: Callable[[int], None]) -> World:
    """The world, its shipments, the carrier's manifest and customs' declarations and controls."""
    step(0)
    world = build_world(cfg)
    reg = build_registry(world)
    vocab = build_vocab(world)
    step(1)
    ships = generate(world, reg.index, vocab, (reg.named_country, reg.consumer_country))
    step(2)
    rates.write_rates(out, cfg)
    manifest = carrier.write_manifest(out, cfg, ships, reg, vocab, truth)
    step(3)
    ctruth = customs.write_declarations(out, world, ships, reg, vocab, manifest, truth)
    _shipment_truth(truth, [r.id for r in world.rings], ships, reg.named, manifest, ctruth)
    _world_truth(truth, world)
    scenario = drift.truth_table(world)
    if scenario is not None:
        truth.add("drift", scenario)
    summary.shipments, summary.counterfeit = len(ships), int(ships.fake.sum())
    summary.camouflaged = int(ships.camouflaged.sum())
    summary.declarations = int(ctruth.declared.sum())
    summary.inspected, summary.seized = int(ctruth.inspected.sum()), int(ctruth.seized.sum())
    summary.rings = len(world.rings)
    return world


def _market(world: World, out: Path, truth: TruthLog, summary: SimulationSummary,
            step: Callable[[int], None]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The marketplace's feeds, the IP-crime unit's watchlist and the brand owners' feeds."""
    cfg = world.cfg
    step(4)
    sellers = marketplace.make_sellers(world)
    marketplace.link_authorised(world, sellers)
    listings = marketplace.make_listings(world, sellers)
    complaints = notices.make_complaints(cfg, listings)
    signals = seller_signals.make_signals(cfg, sellers)
    marketplace.write_sellers(out, cfg, sellers, truth, signals)
    seller_signals.write_links(out, seller_signals.make_links(cfg, sellers, listings))
    seller_outcomes = seller_signals.make_outcomes(cfg, sellers, complaints)
    seller_signals.write_outcomes(out, seller_outcomes, sellers, truth)
    marketplace.write_listings(out, cfg, listings, truth)
    notices.write_notices(out, complaints, truth)
    summary.pageviews = notices.write_pageviews(out, cfg, listings, complaints)
    summary.watchlist = notices.write_watchlist(out, cfg, sellers, complaints, truth)
    step(5)
    summary.watchlist += partners.write_ipr_watchlist(out, world, truth)
    np_files = partners.write_northpeak(out, world, complaints, truth)
    lu_files = partners.write_lumina(out, world, complaints, truth)
    summary.sellers, summary.listings = len(sellers), len(listings)
    summary.complaints = len(complaints)
    step(6)
    return np_files, lu_files


def _feeds(np_files: list[tuple[str, str]],
           lu_files: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Every feed in ingestion order: reference data, parties, shipments, labels, watchlists."""
    npf, luf = dict(np_files), dict(lu_files)
    bn, bl = "brand-northpeak", "brand-lumina"
    return [
        _feed(CUSTOMS, "exchange_rates", rates.PATH, "exchange-rates"),
        _feed(bn, "brands", npf["brands"], "brands"),
        _feed(bn, "trademarks", npf["trademarks"], "trademarks"),
        _feed(bn, "products", npf["products"], "products"),
        _feed(bl, "brands", luf["marques"], "brands"),
        _feed(bl, "trademarks", luf["depots"], "trademarks"),
        _feed(bl, "products", luf["produits"], "products"),
        _feed(MARKETPLACE, "sellers", marketplace.SELLERS, "sellers"),
        _feed(MARKETPLACE, "seller_links", seller_signals.LINKS, "seller-links"),
        _feed(MARKETPLACE, "listings", marketplace.LISTINGS, "listings"),
        _feed(CARRIER, "shipments", carrier.PATH, "shipments"),
        _feed(CUSTOMS, "shipments", customs.DECLARATIONS, "declarations"),
        _feed(CUSTOMS, "outcomes", customs.OUTCOMES, "outcomes"),
        _feed(MARKETPLACE, "complaints", notices.NOTICES, "complaints"),
        _feed(bn, "complaints", npf["takedowns"], "complaints"),
        _feed(bl, "complaints", luf["signalements"], "complaints"),
        _feed(MARKETPLACE, "pageviews", notices.PAGEVIEWS, "pageviews"),
        _feed(MARKETPLACE, "seller_outcomes", seller_signals.OUTCOMES, "seller-outcomes"),
        _feed(MARKETPLACE, "watchlist", notices.WATCHLIST, "watchlist"),
        _feed(IPCRIME, "watchlist", partners.IPR_WATCHLIST, "watchlist"),
    ]


def _write_manifest(out: Path, cfg: SimConfig, feeds: list[dict[str, str]]) -> None:
    manifest = {
        "seed": cfg.seed, "days": cfg.days, "scale": cfg.scale,
        "start": cfg.start.isoformat(), "end": cfg.end().isoformat(),
        "organisations": [{"slug": s, "name": n, "kind": k} for s, n, k in ORGANISATIONS],
        "feeds": feeds,
        "truth": sorted(p.name for p in (out / "truth").glob("*.parquet")),
    }
    if cfg.new_ring_day is not None:  # only then, so the default world.json stays as it was
        manifest["scenario"] = {"name": "new-ring", "new_ring_day": cfg.new_ring_day}
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (out / "world.json").write_text(text, encoding="utf-8")


def _shipment_truth(truth: TruthLog, ring_ids: list[str], s: Shipments, named: list[Any],
                    manifest: carrier.Manifest, ct: customs.CustomsTruth) -> None:
    brand = pa.array([b.name for b in BRAND_SPECS] + [None], pa.string())
    rings = pa.array([*ring_ids, None], pa.string())
    decl = np.full(len(s), -1)
    decl[ct.declared] = np.arange(int(ct.declared.sum()))
    decl_ids = pc.if_else(pa.array(ct.declared), ct.number.take(pa.array(np.maximum(decl, 0))),
                          pa.nulls(len(s), pa.string()))
    truth.add("shipments", pa.table({
        "organisation": pa.repeat(pa.scalar(CARRIER), len(s)),
        "source_key": manifest.awb,
        "date": manifest.date,
        "is_counterfeit": pa.array(s.fake),
        "ring_id": rings.take(pa.array(np.where(s.ring >= 0, s.ring, len(ring_ids)))),
        "brand": brand.take(pa.array(np.where(s.brand >= 0, s.brand, len(BRAND_SPECS)))),
        "shipper_entity": pa.array([p.id for p in named]).take(pa.array(s.shipper)),
        "camouflaged": pa.array(s.camouflaged),
        "declaration_id": decl_ids,
        "inspected": pa.array(ct.inspected),
        "seized": pa.array(ct.seized),
    }))


def _world_truth(truth: TruthLog, world: World) -> None:
    """Entities (every named identity, clean) and rings with their drift."""
    ids = world.identities()
    truth.add("entities", pa.table({
        "entity_id": [p.id for p in ids], "kind": [p.kind for p in ids],
        "schema": [p.schema for p in ids], "name": [p.render(np.random.default_rng(0), False)
                                                    ["name"] for p in ids],
        "country": [p.country for p in ids],
        "phone": [f"+{p.phone.cc}{p.phone.national}" for p in ids],
        "email": [p.email for p in ids], "bank_account": pa.array([p.bank for p in ids],
                                                                 pa.string()),
        "ring_id": pa.array([p.ring for p in ids], pa.string()),
    }))
    truth.add("rings", pa.table({
        "ring_id": [r.id for r in world.rings], "home_country": [r.home for r in world.rings],
        "brands": [[BRAND_SPECS[b].name for b in r.brands] for r in world.rings],
        "aliases": [[a.id for a in r.aliases] for r in world.rings],
        "drops": [[a.id for a in r.drops + r.mules] for r in world.rings],
        "mules": [[a.id for a in r.mules] for r in world.rings],
        "camouflaged": [r.camouflaged for r in world.rings],
        "hosts": [[a.id for a in r.hosts] for r in world.rings],
        "investigated": [r.investigated for r in world.rings],
        "phases": [json.dumps([asdict(p) for p in r.phases]) for r in world.rings],
    }))
