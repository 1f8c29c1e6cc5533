"""Online scoring latency: one shipment at a time through ``OnlineScorer`` (what the API calls).

    .venv/bin/python bench/serving.py [--days 30] [--scale 1.0] [--calls 1000] [--work DIR]
    .venv/bin/python bench/serving.py --lake DATA_DIR [--calls 1000] [--[no-]counts]
        [--[no-]deciles]

With ``--lake``, the lake and model already there (e.g. ``bench/targeting.py --work W``'s
``W/data``: the KCS lake) are measured as they are, nothing simulated or trained.

Simulates a world (``--days`` × 2,000 × ``--scale`` shipments), ingests it, trains, loads the
scorer once (timed) and then scores single shipments: ``score_ids`` for random shipments of the
lake and ``score_records`` for posted copies of them (fields as a partner would send them), with
reasons. Prints one JSON object with p50/p95/p99/max milliseconds per call.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

from ringfence.demo import ingest_world
from ringfence.score import features as features_module
from ringfence.score.online import OnlineScorer
from ringfence.score.pipeline import train
from ringfence.settings import Settings
from ringfence.sim import simulate


def _percentiles(millis: list[float]) -> dict[str, float]:
    values = np.asarray(millis)
    return {
        "calls": len(millis),
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
    }


def _posted(record: dict[str, Any]) -> dict[str, Any]:
    """A lake shipment as a client would post it (no provenance, dates as text)."""
    out = {k: v for k, v in record.items() if v is not None and k != "source_key"}
    out["date"] = record["date"].isoformat()
    out["id"] = f"posted-{record['id']}"
    return out


def measure(settings: Settings, calls: int, seed: int = 1) -> dict[str, Any]:
    """Load the scorer and time ``calls`` single-shipment calls of each kind."""
    started = time.perf_counter()
    scorer = OnlineScorer.load(settings)
    load_s = time.perf_counter() - started
    ids = scorer.shipments.table.column("id").to_pylist()
    rng = np.random.default_rng(seed)
    picks = [ids[i] for i in rng.choice(len(ids), calls)]
    scorer.score_ids(picks[:20])  # warm-up: first LightGBM calls allocate
    by_id, posted = [], []
    for shipment_id in picks:
        t = time.perf_counter()
        scorer.score_ids([shipment_id])
        by_id.append(1000 * (time.perf_counter() - t))
    records = [_posted(r) for r in scorer.shipments.records(picks)]
    for record in records:
        t = time.perf_counter()
        scorer.score_records([record])
        posted.append(1000 * (time.perf_counter() - t))
    return {
        "load_seconds": round(load_s, 2),
        "lake_shipments": len(ids),
        "score_ids": _percentiles(by_id),
        "score_records": _percentiles(posted),
        "labels": sorted(scorer.model.models),
    }


def main() -> None:
    """Run the benchmark and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--lake", type=Path, default=None, help="an existing data dir")
    parser.add_argument("--counts", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--deciles", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    if args.counts is not None:
        features_module.SHIPMENT_COUNTS = args.counts
    if args.deciles is not None:
        features_module.TOP_DECILES = args.deciles
    if args.lake is not None:
        result = {"machine": machine(), "lake": str(args.lake)}
        result.update(measure(Settings(data_dir=args.lake), args.calls))
        print(json.dumps(result, indent=2))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="rf-serving-"))
    try:
        settings = Settings(data_dir=work / "data")
        simulate(work / "world", seed=7, days=args.days, scale=args.scale)
        ingest_world(settings, work / "world")
        train(settings)
        result = {"machine": machine(), "world": {"days": args.days, "scale": args.scale}}
        result.update(measure(settings, args.calls))
        print(json.dumps(result, indent=2))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
