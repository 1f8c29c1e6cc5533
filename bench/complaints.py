"""Notice validity on the simulator: are bad-faith notices recognised, good-faith ones passed?

Prints JSON. Per simulated world (marketplace only, no files): every notice, in filing order, is
scored (``complaints.validity``) from what was known on its filing day: the listing and the
brand catalogue, the sellers' links, the complainant's notices filed in the week before and
those decided before that day, the seller's upheld notices. Nothing is fitted: the points are
fixed in ``validity.py`` (chosen on seed 3, which is not reported; the grey-market profile's
point and its one-year account age were set by hand and checked on seeds 3 and 4 only). Ground
truth is the simulator's ``bad_faith``. Figures: precision and recall of "not valid" for
bad-faith notices (and of "valid" for good-faith ones), per abuse pattern the recall, and for
comparison the marketplace's own decisions (rejected = bad faith) on the notices it decided.
The simulated marketplace has no border seizures or unit codes: those two signs are not
exercised here.

    nice .venv/bin/python bench/complaints.py [--seeds 7,8,9 --scale 16 --days 120]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine
from ringfence.complaints.history import History, Notice, Related
from ringfence.complaints.validity import ComplaintFacts, score
from ringfence.sim import marketplace, notices, seller_signals
from ringfence.sim.config import SimConfig
from ringfence.sim.world import build_world

EPOCH = dt.date(1970, 1, 1)


def _day(value: dt.date | None) -> int | None:
    return None if value is None else (value - EPOCH).days


def _catalogue(world: Any) -> tuple[dict[int, float], dict[int, set[str]], dict[str, tuple]]:
    floors: dict[int, float] = {}
    authorised: dict[int, set[str]] = defaultdict(set)
    gtins: dict[str, tuple[int, float]] = {}
    for p in world.products:
        floors[p.brand] = min(floors.get(p.brand, float("inf")), p.price_min)
        authorised[p.brand].update(p.authorised_sellers)
        gtins[p.gtin] = (p.brand, p.price_min)
    return floors, authorised, gtins


def _facts(c: Any, catalogue: tuple, history: History) -> ComplaintFacts:
    floors, authorised, gtins = catalogue
    x, day = c.listing, _day(c.filed) or 0
    by = c.filed_by
    product = gtins.get(x.gtin or "")
    of_brand = product is not None and product[0] == c.brand
    floor = product[1] if of_brand else floors.get(c.brand)
    decided, rejected = history.record(by, day)
    return ComplaintFacts(
        brand=str(c.brand), listing_claims_brand=x.brand == c.brand, gtin_of_brand=of_brand,
        brand_in_catalogue=c.brand in floors, authorised=x.seller.id in authorised[c.brand],
        price_ratio=x.price / floor if floor else None,
        seller_upheld=history.seller_upheld(x.seller.id, day),
        burst_sellers=history.burst(by, x.seller.id, day), past_decided=decided,
        past_rejected=rejected, complainant=by,
        seller_age_days=(c.filed - x.seller.registered).days,
    )  # fmt: skip


def _pr(truth: list[bool], predicted: list[bool]) -> dict[str, float | int]:
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    fp = sum(p and not t for t, p in zip(truth, predicted, strict=True))
    fn = sum(t and not p for t, p in zip(truth, predicted, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "positives": tp + fn, "flagged": tp + fp}  # fmt: skip


def world_figures(seed: int, scale: float, days: int) -> dict[str, Any]:
    """Validity figures of one simulated world."""
    cfg = SimConfig(seed=seed, days=days, scale=scale)
    world = build_world(cfg)
    sellers = marketplace.make_sellers(world)
    marketplace.link_authorised(world, sellers)
    listings = marketplace.make_listings(world, sellers)
    complaints = notices.make_complaints(cfg, listings)
    links = seller_signals.make_links(cfg, sellers, listings)
    history = History(Related((r.seller, r.other) for r in links if r.kind != "product"))
    catalogue = _catalogue(world)
    bad, invalid, patterns = [], [], defaultdict(lambda: [0, 0])
    for c in sorted(complaints, key=lambda c: (c.filed, c.id)):
        validity = score(_facts(c, catalogue, history))
        history.add(Notice(c.filed_by, c.listing.seller.id, _day(c.filed) or 0, c.decision,
                           _day(c.decided)))  # fmt: skip
        bad.append(c.bad_faith)
        invalid.append(not validity.valid)
        if c.bad_faith:
            patterns[c.pattern][0] += 1
            patterns[c.pattern][1] += not validity.valid
    decided = [c for c in complaints if c.decision in ("upheld", "rejected")]
    return {
        "seed": seed, "notices": len(complaints), "bad_faith": sum(bad),
        "bad_faith_recognised": _pr(bad, invalid),
        "good_faith_passed": _pr([not b for b in bad], [not i for i in invalid]),
        "recall_by_pattern": {k: {"notices": n, "recognised": round(r / n, 4)}
                              for k, (n, r) in sorted(patterns.items())},
        "marketplace_decisions": _pr([c.bad_faith for c in decided],
                                     [c.decision == "rejected" for c in decided]),
    }  # fmt: skip


def _mean(worlds: list[dict[str, Any]], part: str, key: str) -> float:
    return round(sum(w[part][key] for w in worlds) / len(worlds), 4)


def main() -> None:
    """Run the worlds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--scale", type=float, default=16)
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    before, started = machine(), time.perf_counter()
    worlds = [world_figures(int(s), args.scale, args.days) for s in args.seeds.split(",")]
    parts = ("bad_faith_recognised", "good_faith_passed", "marketplace_decisions")
    print(json.dumps({
        "benchmark": "complaint_validity", "scale": args.scale, "days": args.days,
        "mean": {p: {k: _mean(worlds, p, k) for k in ("precision", "recall", "f1")}
                 for p in parts},
        "worlds": worlds, "seconds": round(time.perf_counter() - started, 1),
        "machine_before": before, "machine_after": machine(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
