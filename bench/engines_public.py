"""One loop, two engines, public data: KCS customs declarations on DuckDB and on a real
standalone Spark cluster, with the scores compared.

    nice .venv/bin/python bench/engines_public.py [--kcs ../shared/data/kcs] [--work-dir DIR]

The simulator's worlds measure how the loop grows (bench/scale.py); this checks the Spark path
on data this project did not make. ``declarations-2020.csv`` of the Korea Customs Service's
synthetic declarations (../shared/data/kcs, MIT licence; 2021Q1 is left alone, as its README
asks) is ingested once through the shipped ``kcs-declarations`` mapping, as a user would; each
engine then gets a copy of the data directory and runs, each step a child process of its own:
``backtest`` (train on 2020 Jan–Oct, test Nov–Dec: the development split of docs/scale.md),
``train --until 2020-10-31`` and ``score``. ``cluster`` starts one master and one worker (this
machine's cores: say so when quoting the seconds). Prints one JSON object: seconds, CPU
seconds and peak RSS per step and engine, and the parity of the two engines — the scores of
every declaration and label (largest absolute difference, rows on one side only) and each
label's backtest AUC and precision at each budget.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import duckdb
from _common import BIN, machine, run_measured

from ringfence.store.engine.standalone import StandaloneCluster, standalone_cluster

KCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "kcs"
TRAIN_UNTIL, TEST_FROM = "2020-10-31", "2020-11-01"


def _measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    result = run_measured([str(BIN / "ringfence"), *args], env)
    return {k: round(result[k], 2) for k in ("seconds", "cpu_seconds", "peak_rss_mib")}


def run_engine(data: Path, cluster: StandaloneCluster | None) -> dict[str, Any]:
    """Backtest, train and score on one engine's copy of the ingested data directory."""
    env = {"RINGFENCE_DATA_DIR": str(data), "RINGFENCE_ENGINE": "duckdb"}
    if cluster is not None:  # its status page too: executors take the worker's memory
        env |= {
            "RINGFENCE_ENGINE": "spark",
            "RINGFENCE_SPARK_MASTER": cluster.master_url,
            "RINGFENCE_SPARK_MASTER_UI": cluster.status_url,
        }
    backtest = ["backtest", "--train-until", TRAIN_UNTIL, "--test-from", TEST_FROM]
    return {
        "backtest": _measured([*backtest, "--json", str(data / "backtest.json")], env),
        "train": _measured(["train", "--until", TRAIN_UNTIL], env),
        "score": _measured(["score", "--json"], env),
    }


def _scores(data: Path) -> str:
    return f"read_parquet('{data}/lake/shipment_scores/part-*.parquet')"


def parity(left: Path, right: Path) -> dict[str, Any]:
    """How far the two engines' scores and backtests are apart."""
    row = duckdb.connect().execute(
        f"SELECT count(*), count(a.id), count(b.id), max(abs(a.score - b.score)) FROM"
        f" {_scores(left)} a FULL JOIN {_scores(right)} b ON a.id = b.id AND a.label = b.label"
    ).fetchone()
    assert row is not None
    tests = [json.loads((d / "backtest.json").read_text())["labels"] for d in (left, right)]
    backtest = {
        label: {
            "auc": [t[label]["auc"] for t in tests],
            "precision": {
                budget: [t[label]["budgets"][budget]["precision"] for t in tests]
                for budget in tests[0][label]["budgets"]
            },
        }
        for label in tests[0]
    }
    return {
        "score_rows": row[0],
        "only_one_side": row[0] - min(row[1], row[2]),
        "max_abs_score_difference": row[3],
        "backtest_duckdb_vs_cluster": backtest,
    }


def main() -> None:
    """Ingest once, run both engines, print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kcs", type=Path, default=KCS, help="The KCS data folder.")
    parser.add_argument("--work-dir", type=Path, help="Keep the data here (default: temporary).")
    parser.add_argument("--worker-memory", default="4g", help="The cluster worker's memory.")
    args = parser.parse_args()
    source = args.kcs / "declarations-2020.csv"
    if not source.is_file():
        raise SystemExit(f"{source}: not found (pass --kcs DIR)")
    with ExitStack() as stack:
        root = args.work_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        base = root / "data"
        ingest = ["ingest", "declarations", str(source), "--mapping", "kcs-declarations"]
        report: dict[str, Any] = {"ingest": _measured(ingest, {"RINGFENCE_DATA_DIR": str(base)})}
        cluster = stack.enter_context(standalone_cluster(
            root / "cluster", cores=os.cpu_count() or 2, memory=args.worker_memory
        ))  # fmt: skip
        data = {}
        for engine, on in (("duckdb", None), ("cluster", cluster)):
            data[engine] = root / f"data-{engine}"
            shutil.rmtree(data[engine], ignore_errors=True)
            shutil.copytree(base, data[engine])
            print(f" {engine}", file=sys.stderr)
            report[engine] = run_engine(data[engine], on)
        report["parity"] = parity(data["duckdb"], data["cluster"])
    print(json.dumps({"machine": machine(), "load_average": os.getloadavg(), **report}))


if __name__ == "__main__":
    main()
