"""Learning-loop benchmark: exploit-only vs 10 % exploration, week by week, on a simulated world.

    .venv/bin/python bench/operations.py [--weeks 12] [--capacity 10] [--scale 0.5] [--seed 7]
        [--scenario new-ring] [--weighting inverse,clipped,self_normalised,none]

Simulates a world of 28 warm-up days + ``--weeks`` weeks (1,000 parcels a day at scale 0.5, ~1 %
counterfeit), then replays targeting from the legacy customs labels with three arms from the same
start: exploit-only, 10 % exploration with inverse-probability weights, and 10 % exploration with
unweighted labels (``ringfence.target.operations``). Prints one JSON object: per arm the weekly
inspections, seizures, precision, recall and the model's AUC against the truth, their totals, and
the wall time. One run takes about two minutes on the 2-core machine.

``--scenario new-ring`` simulates the drift scenario instead (docs/simulation.md: a new ring with
fresh accounts and a new route appears on the first day of replay week ``weeks // 2 + 1``) and
replays six arms: exploit-only; uniform exploration with 1/p and with clipped weights; targeted
exploration (explore/aim.py) with 1/p, clipped and self-normalised weights (a uniform draw's
self-normalised weights equal its 1/p). Per arm it adds ``new_ring``: parcels, inspections,
seizures and days/weeks from the ring's first day to its first seizure, and a ``summary`` with
seizures, precision, recall and weeks to detection side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.target.explore.weights import WEIGHTINGS
from ringfence.target.operations import simulate_operations

WARMUP_DAYS = 28


def main() -> None:
    """Run the replay and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--exploration", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", choices=("default", "new-ring"), default="default")
    parser.add_argument(
        "--weighting", default=None,
        help=f"comma-separated, of {', '.join(WEIGHTINGS)} (default: the scenario's set)",
    )  # fmt: skip
    args = parser.parse_args()
    drift = args.scenario == "new-ring"
    new_ring_day = WARMUP_DAYS + 7 * (args.weeks // 2) if drift else None
    weightings = ("inverse", "clipped", "self_normalised") if drift else ("inverse", "none")
    if args.weighting:
        weightings = tuple(w.strip() for w in args.weighting.split(","))
        unknown = sorted(set(weightings) - set(WEIGHTINGS))
        if unknown:
            parser.error(f"unknown weighting {', '.join(unknown)}")
    aims = ("uniform", "targeted") if drift else ("uniform",)
    work = Path(tempfile.mkdtemp(prefix="rf-operations-"))
    try:
        started = time.perf_counter()
        simulate(work / "world", seed=args.seed, days=WARMUP_DAYS + 7 * args.weeks + 1,
                 scale=args.scale, new_ring_day=new_ring_day)  # fmt: skip
        simulated = time.perf_counter() - started
        settings = Settings(data_dir=work / "data", database_url=None)
        report = simulate_operations(
            settings, work / "world", args.weeks, args.capacity, args.exploration, args.seed,
            WARMUP_DAYS, weightings=weightings, aims=aims,
        )  # fmt: skip
        report["seconds"] = {
            "simulate": round(simulated, 1),
            "replay": round(time.perf_counter() - started - simulated, 1),
        }
        report["scale"] = args.scale
        report["load"] = [round(x, 2) for x in os.getloadavg()]
        if drift:
            report["summary"] = summary(report)
        print(json.dumps({"machine": machine(), "operations": report}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summary(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per arm: seizures, precision, recall, and the new ring's detection, side by side."""
    out = {}
    for name, arm in report["arms"].items():
        ring = arm.get("new_ring", {})
        out[name] = {
            **arm["total"],
            "new_ring_seizures": ring.get("seizures"),
            "new_ring_inspected": ring.get("inspected"),
            "weeks_to_detection": ring.get("weeks_to_detection"),
        }
    return out


if __name__ == "__main__":
    main()
