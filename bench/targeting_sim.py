"""Targeting on the simulated world: the backtest table, and how it reads against the truth.

    .venv/bin/python bench/targeting_sim.py [--days 120] [--scale 0.5] [--seed 5] [--test-days 30]

Simulates a world, ingests every partner's feeds the way the demo does, resolves parties and
spreads network risk (so party, watchlist and network features exist), then runs the same
backtest as ``ringfence backtest``: train on labels up to ``--test-days`` before the end, test on
the rest. The labels are the legacy customs inspections, so the backtest's own table measures
ranking among *inspected* parcels only; the truth (every carrier parcel, inspected or not) is
used here for evaluation alone — AUC and precision/recall at the same budgets over all arrivals.
Prints one JSON object. The learning-loop curves are bench/operations.py's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

from ringfence.demo import ingest_world
from ringfence.model.records import make_id
from ringfence.resolve.network.risk import compute_network_risk
from ringfence.resolve.pipeline import resolve_parties
from ringfence.score.pipeline import EPOCH, fit_models, load_matrix
from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.sim.config import SimConfig
from ringfence.store.engine import open_engine
from ringfence.target.backtest import backtest
from ringfence.target.metrics import budget_metrics, rank

LABEL = "counterfeit"
CARRIER = "swiftpost"  # the truth is per carrier parcel
BUDGETS = [1.0, 2.0, 5.0, 10.0]


def _against_truth(settings: Settings, world: Path, train_until: dt.date) -> dict[str, Any]:
    """The same training, scored on *every* carrier parcel of the test window, by the truth."""
    engine = open_engine(settings)
    try:
        matrix, labels, _ = load_matrix(settings, engine, train_until + dt.timedelta(days=1))
    finally:
        engine.close()
    model = fit_models(matrix, labels, train_until)
    truth = pq.read_table(world / "truth" / "shipments.parquet").to_pylist()
    fake = {
        make_id(CARRIER, "shipments", row["source_key"]): bool(row["is_counterfeit"])
        for row in truth
    }
    keys = matrix.table.column("id").to_pylist()
    test = matrix.days() > (train_until - EPOCH).days
    rows = np.array([i for i in np.flatnonzero(test) if keys[i] in fake], dtype=np.int64)
    score = model.models[LABEL].probability(matrix.x[rows])
    actual = np.array([fake[keys[i]] for i in rows], dtype=float)
    order = rank(score)
    return {
        "parcels": len(rows),
        "counterfeit": int(actual.sum()),
        "auc": float(roc_auc_score(actual, score)) if 0 < actual.sum() < len(rows) else None,
        "budgets": {str(int(b)): budget_metrics(actual, order, b, None) for b in BUDGETS},
    }


def main() -> None:
    """Simulate, ingest, resolve, backtest; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--test-days", type=int, default=30)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rf-targeting-sim-"))
    seconds: dict[str, float] = {}
    try:
        started = time.perf_counter()
        simulate(work / "world", seed=args.seed, days=args.days, scale=args.scale)
        settings = Settings(data_dir=work / "data", database_url=None)
        ingest_world(settings, work / "world")
        seconds["simulate_and_ingest"] = round(time.perf_counter() - started, 1)
        resolve_parties(settings)
        compute_network_risk(settings)
        seconds["resolve_and_network"] = round(time.perf_counter() - started, 1)
        start = SimConfig().start
        test_from = start + dt.timedelta(days=args.days - args.test_days)
        result = backtest(settings, test_from - dt.timedelta(days=1), test_from, budgets=BUDGETS)
        seconds["total"] = round(time.perf_counter() - started, 1)
        report = {
            "world": {"days": args.days, "scale": args.scale, "seed": args.seed},
            "train_until": (test_from - dt.timedelta(days=1)).isoformat(),
            "test_from": test_from.isoformat(),
            "backtest_on_inspected": result.report,
            "against_truth_all_arrivals": _against_truth(
                settings, work / "world", test_from - dt.timedelta(days=1)
            ),
            "seconds": seconds,
            "machine": machine(),
        }
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
