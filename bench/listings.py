"""Listing risk on the simulator: counterfeit listings held at creation, good sellers held, p99.

Prints JSON. Per simulated world (marketplace only, no files): the seller model is trained on
the outcomes known before the cut-off day (the middle of the run) and the listing evidence
(``listings.evidence``) on the notices decided before it; then every listing created from the
cut-off on is scored the day it is created, from what was known strictly before that day
(``marketplace.features.snapshot``) with the listing counted, as ``ListingScorer.score`` does
online. A listing scoring at least the hold threshold is held at creation, so before any sale.

Figures per threshold: the share of counterfeit listings held at creation, the share of good
sellers (not a ring's account) with a listing created after the cut-off that had one held, the
share of genuine listings held; for the joined score and for each of its parts alone (seller
model, listing evidence). Latency: ``ListingScorer.score`` (flags, features, prediction,
reasons) one listing at a time, single-threaded.

    nice .venv/bin/python bench/listings.py [--seeds 7,8,9 --scale 16 --days 120]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench._common import machine
from ringfence.listings.catalogue import Catalogue
from ringfence.listings.evidence import Evidence, combine
from ringfence.listings.scoring import ListingScorer
from ringfence.marketplace.features import snapshot
from ringfence.marketplace.simulated import EPOCH, simulated_sellers
from ringfence.marketplace.train import fit, labelled, outcome_span, plan_split
from ringfence.sim import marketplace, notices
from ringfence.sim.config import SimConfig
from ringfence.sim.world import build_world

VARIANTS = ("joined", "seller_model", "listing_evidence")


def _catalogue(world: Any) -> Catalogue:
    out = Catalogue()
    for p in world.products:
        brand = str(p.brand)
        out.floors[brand] = min(out.floors.get(brand) or np.inf, float(p.price_min))
        out.authorised.setdefault(brand, set()).update(p.authorised_sellers)
        out.protected.add(p.gtin)
    return out


def _listing(x: Any) -> dict[str, Any]:
    brand = str(x.brand) if x.brand >= 0 else None
    return {"seller": x.seller.id, "brand": brand, "gtin": x.gtin, "price": x.price}


def world_figures(seed: int, scale: float, days: int, thresholds: list[float]) -> dict[str, Any]:
    """Hold figures of one simulated world, and the single-listing latencies."""
    cfg = SimConfig(seed=seed, days=days, scale=scale)
    data, ring = simulated_sellers(cfg)
    world = build_world(cfg)
    sellers = marketplace.make_sellers(world)
    marketplace.link_authorised(world, sellers)
    listings = marketplace.make_listings(world, sellers)
    complaints = notices.make_complaints(cfg, listings)
    assert len(listings) == len(data.listings), "the simulator did not repeat itself"
    cutoff = (cfg.start - EPOCH).days + days // 2
    first, last = outcome_span(data, cutoff - 1)
    split = plan_split(first, last)
    stacked = labelled(data, [*split.train, split.validation, split.test], split.horizon)
    features = list(stacked.x.columns)
    model, report = fit(stacked, split)
    catalogue = _catalogue(world)
    upheld = {
        c.listing.id
        for c in complaints
        if c.decision == "upheld" and c.decided and (c.decided - EPOCH).days < cutoff
    }
    before = [x for x in listings if (x.listed - EPOCH).days < cutoff]
    evidence = Evidence.fit([catalogue.flags(_listing(x)) for x in before],
                            [x.id in upheld for x in before])  # fmt: skip
    keys = {("sim", s): s for s in data.sellers["id"]}
    later = sorted((x for x in listings if (x.listed - EPOCH).days >= cutoff),
                   key=lambda x: x.listed)  # fmt: skip
    parts: dict[str, list[float]] = {v: [] for v in VARIANTS}
    scorer = None
    for day in sorted({(x.listed - EPOCH).days for x in later}):
        rows = snapshot(data, day)
        scorer = ListingScorer(model, features, rows, keys, catalogue, evidence)
        for x in (x for x in later if (x.listed - EPOCH).days == day):
            flags = catalogue.flags(_listing(x))
            row = scorer.add(scorer.row("sim", x.seller.id), flags)
            seller = float(model.probability(row[None, :], threads=1)[0])
            rate = evidence.rate(flags)[0]
            parts["joined"].append(combine(seller, rate))
            parts["seller_model"].append(seller)
            parts["listing_evidence"].append(rate)
    fake = np.array([x.counterfeit for x in later])
    good = np.array([not ring[x.seller.id] for x in later])
    owner = np.array([x.seller.id for x in later])
    out: dict[str, Any] = {
        "seed": seed, "cutoff": (EPOCH + dt.timedelta(days=cutoff)).isoformat(),
        "listings_after_cutoff": len(later), "counterfeit": int(fake.sum()),
        "good_sellers": len(set(owner[good])), "seller_model_test": report.get("test"),
    }  # fmt: skip
    for variant, values in parts.items():
        score = np.asarray(values)
        out[variant] = {
            str(t): {
                "counterfeit_held_at_creation": round(float((score[fake] >= t).mean()), 4),
                "good_sellers_wrongly_held": round(
                    len(set(owner[good & (score >= t)])) / max(1, len(set(owner[good]))), 4
                ),
                "genuine_listings_held": round(float((score[~fake] >= t).mean()), 4),
            }
            for t in thresholds
        }
    assert scorer is not None
    out["latency_ms"] = _latency(scorer, [_listing(x) for x in later])
    return out


def _latency(scorer: ListingScorer, listings: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """(wall, thread CPU) milliseconds of ``scorer.score`` per listing, one call each (after 50
    warm-up calls). On a shared machine the wall time includes waiting for a core."""
    for item in listings[:50]:
        scorer.score("sim", item)
    spent = []
    for item in listings[:2000]:
        wall, cpu = time.perf_counter(), time.thread_time()
        scorer.score("sim", item)
        spent.append(((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000))
    return spent


def _percentiles(values: np.ndarray) -> dict[str, float]:
    return {"calls": int(values.size), "p50": round(float(np.percentile(values, 50)), 3),
            "p99": round(float(np.percentile(values, 99)), 3),
            "max": round(float(values.max()), 3)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--scale", type=float, default=16.0)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--thresholds", default="0.2,0.3,0.5,0.7")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    load_before = os.getloadavg()
    started = time.perf_counter()
    worlds = [world_figures(int(s), args.scale, args.days, thresholds)
              for s in args.seeds.split(",")]  # fmt: skip
    spent = np.concatenate([np.asarray(w.pop("latency_ms")) for w in worlds])
    print(json.dumps({
        "scale": args.scale, "days": args.days, "worlds": worlds,
        "latency_ms": {name: _percentiles(spent[:, j]) for j, name in enumerate(("wall", "cpu"))},
        "seconds": round(time.perf_counter() - started, 1),
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()], "machine": machine(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
