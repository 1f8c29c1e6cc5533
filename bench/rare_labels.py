"""Rare-label strategies on KCS, decided on the development split inside 2020 only.

    nice .venv/bin/python bench/rare_labels.py --work DIR [--rare hard,two_stage,focal]
        [--focal-gamma 2] [--hard-weights 3,6,10] [--prior-weight W] [--validation]
        [--train-cost]

Ingests the KCS 2020 and 2021Q1 declarations into ``DIR`` (once; a later run reuses the lake;
the later quarter is never read) and runs ``ringfence backtest`` on the development split
(train 2020 Jan–Oct, test Nov–Dec) for each strategy of ``score/rare.py``. The profile prior is
chosen once, on the development training window by the first strategy's backtest, and then
fixed for the others so they differ by the strategy alone. ``--validation`` evaluates the one
strategy given on 2021Q1 (train 2020): run it once, with the strategy fixed beforehand.
``--hard-weights`` runs the ``hard`` strategy once per weight of its hard negatives
(``rare.HARD_WEIGHT``); ``--prior-weight`` fixes the profile prior instead of choosing it.
Prints one JSON object: critical-fraud (``ipr``) recall at 1/2/5/10 % and AUC, fraud precision
and AUC, and CPU-seconds per backtest. ``--train-cost`` instead times ``ringfence train`` on 2020
with the prior weight chosen from the grid and with it fixed at ``history.PRIOR_WEIGHT``.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine
from targeting import BUDGETS, _kcs_dir

from ringfence.ingest import ingest_files
from ringfence.score import rare
from ringfence.settings import Settings
from ringfence.target.backtest import backtest

D = dt.date
SPLITS = {
    "development": (D(2020, 10, 31), D(2020, 11, 1), D(2020, 12, 31)),
    "validation": (D(2020, 12, 31), D(2021, 1, 1), D(2021, 3, 31)),
}


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    fraud, ipr = report["labels"]["fraud"], report["labels"]["ipr"]
    return {
        "ipr_recall": {b: round(ipr["budgets"][b]["recall"], 4) for b in BUDGETS},
        "ipr_auc": round(ipr["auc"], 4),
        "fraud_precision": {b: round(fraud["budgets"][b]["precision"], 4) for b in BUDGETS},
        "fraud_auc": round(fraud["auc"], 4),
    }


def _train_cost(settings: Settings) -> dict[str, Any]:
    from ringfence.score import history
    from ringfence.score.pipeline import train

    out: dict[str, Any] = {}
    for name, weight in (("fixed", history.PRIOR_WEIGHT), ("learnt", None)):
        cpu, wall = time.process_time(), time.perf_counter()
        model, _ = train(settings, D(2020, 12, 31), prior_weight=weight)
        out[name] = {
            "profile_prior": model.extra["profile_prior"],
            "cpu_seconds": round(time.process_time() - cpu, 1),
            "seconds": round(time.perf_counter() - wall, 1),
            "load_average": list(os.getloadavg()),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--rare", default="hard,two_stage,focal")
    parser.add_argument("--focal-gamma", type=float, default=rare.FOCAL_GAMMA)
    parser.add_argument("--hard-weights", default="")
    parser.add_argument("--prior-weight", type=float, default=None)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--train-cost", action="store_true")
    args = parser.parse_args()
    strategies = [s for s in args.rare.split(",") if s]
    if any(s not in rare.STRATEGIES for s in strategies):
        raise SystemExit(f"--rare: each of {rare.STRATEGIES}")
    if args.validation and (len(strategies) != 1 or args.hard_weights.count(",")):
        raise SystemExit("--validation evaluates one strategy, fixed beforehand")
    rare.FOCAL_GAMMA = args.focal_gamma
    settings = Settings(data_dir=args.work / "data")
    if not (args.work / "data" / "lake").is_dir():
        kcs = _kcs_dir()
        files = [kcs / "declarations-2020.csv", kcs / "declarations-2021q1.csv"]
        ingest_files(settings, "declarations", files, mapping="kcs-declarations")
    if args.train_cost:
        print(json.dumps(_train_cost(settings), indent=2))
        return
    split = "validation" if args.validation else "development"
    train_until, test_from, test_until = SPLITS[split]
    out: dict[str, Any] = {"split": split, "focal_gamma": rare.FOCAL_GAMMA, "strategies": {}}
    weight = args.prior_weight
    runs = [("hard", float(h)) for h in args.hard_weights.split(",") if h] or [
        (s, rare.HARD_WEIGHT) for s in strategies
    ]
    for strategy, hard_weight in runs:
        rare.STRATEGY, rare.HARD_WEIGHT = strategy, hard_weight
        name = f"hard×{hard_weight:g}" if args.hard_weights else strategy
        cpu, wall = time.process_time(), time.perf_counter()
        result = backtest(settings, train_until, test_from, test_until, prior_weight=weight)
        chosen = result.report["profile_prior"]
        weight = chosen["chosen"]
        out["strategies"][name] = {
            **_figures(result.report),
            "profile_prior": chosen,
            "cpu_seconds": round(time.process_time() - cpu, 1),
            "seconds": round(time.perf_counter() - wall, 1),
        }
    out["load_average"] = list(os.getloadavg())
    out["machine"] = machine()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
