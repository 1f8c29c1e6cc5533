"""How the loop grows: time and peak memory of each step at several sizes, per engine.

    nice .venv/bin/python bench/scale.py --scales 0.5,1,2 --days 100 --engines duckdb,cluster

For each simulator scale a world is simulated once (not timed) and, per engine, a fresh data
directory goes through the steps a user runs, each a child process of its own so that its peak
memory is its own: ``ingest`` (every feed of the world; engine-independent, measured once per
size), ``resolve``, ``network risk`` and ``backtest`` (features for every shipment, training up
to 70 % of the period, scoring the rest). ``cluster`` runs the Spark steps on a real standalone
cluster started here (one worker: this machine's cores, say so when quoting the figures);
``spark`` runs them in local mode. On the cluster a step's ``peak_rss_mib`` is its Python
process's; ``driver_jvm_peak_rss_mib`` and ``executors_peak_rss_mib`` are the driver JVM's and
the executor JVMs' (summed), sampled each second from /proc (so run nothing else with Spark
beside the bench). Prints a JSON line per step as it ends, then one JSON
report: rows per size, seconds and peak RSS per step, and the growth exponent k of each step
between consecutive sizes (time ∝ n^k, n = party mentions for resolve/network, shipments for
backtest, rows for ingest).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any

import duckdb
from _common import BIN, ProcessSampler, machine, run_measured

from ringfence.sim import simulate

# A standalone worker's executor JVMs run this class.
EXECUTOR_MARKER = "org.apache.spark.executor.CoarseGrainedExecutorBackend"
# The driver JVM that PySpark starts (spark-submit ... pyspark-shell).
DRIVER_MARKER = "pyspark-shell"

INGEST = (
    "import sys; from pathlib import Path; from ringfence.demo import ingest_world; "
    "from ringfence.settings import Settings; "
    "ingest_world(Settings(data_dir=Path(sys.argv[1])), Path(sys.argv[2]))"
)


def lake_rows(data_dir: Path, dataset: str) -> int:
    """Rows of one lake dataset (0 when absent)."""
    folder = data_dir / "lake" / dataset
    if not folder.exists():
        return 0
    sql = f"SELECT count(*) FROM read_parquet('{folder}/**/*.parquet', union_by_name=true)"
    row = duckdb.connect().execute(sql).fetchone()
    return int(row[0]) if row else 0


def date_split(data_dir: Path) -> tuple[str, str]:
    """Train until 70 % of the shipments' period; test from the day after."""
    folder = data_dir / "lake" / "shipments"
    sql = (
        "SELECT min(date)::DATE, max(date)::DATE FROM "
        f"read_parquet('{folder}/**/*.parquet', union_by_name=true)"
    )
    row = duckdb.connect().execute(sql).fetchone()
    assert row is not None
    first, last = row
    cut = first + (last - first) * 0.7
    return cut.isoformat(), (cut + (last - cut) / (last - cut).days).isoformat()


def step(name: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One measured step (seconds, peak RSS in MiB), also printed at once as a JSON line, so
    a run stopped part-way (a size that no longer fits) still leaves its figures. On a
    standalone cluster also the executor JVMs' peak RSS (summed; they are the worker's
    children, so the step's own peak does not hold them)."""
    on_cluster = env.get("RINGFENCE_SPARK_MASTER", "").startswith("spark://")
    executors, driver = ProcessSampler(EXECUTOR_MARKER), ProcessSampler(DRIVER_MARKER)
    with (executors if on_cluster else nullcontext()), (driver if on_cluster else nullcontext()):
        result = run_measured(args, env)
    figures = {
        "seconds": round(result["seconds"], 2),
        "cpu_seconds": round(result["cpu_seconds"], 2),
        "peak_rss_mib": round(result["peak_rss_mib"]),
    }
    if on_cluster:
        figures["driver_jvm_peak_rss_mib"] = round(driver.peak_mib)
        figures["executors_peak_rss_mib"] = round(executors.peak_mib)
    line = {"step": name, **figures, "engine": env.get("RINGFENCE_ENGINE", "-"), "data": args[-1]}
    print(json.dumps({**line, "load_average": os.getloadavg()[0]}), flush=True)
    return figures


def run_engine(
    data_dir: Path, engine: str, cluster: dict[str, str] | None, steps: list[str]
) -> dict[str, Any]:
    """The chosen steps (resolve, network risk, backtest, train, score) on one engine over an
    ingested data directory; ``cluster``: the settings that point at the standalone cluster."""
    env = {"RINGFENCE_DATA_DIR": str(data_dir), "RINGFENCE_ENGINE": "duckdb"}
    if engine != "duckdb":
        local = {"RINGFENCE_SPARK_MASTER": "local[*]"}
        env |= {"RINGFENCE_ENGINE": "spark", **(cluster or local)}
    ringfence = str(BIN / "ringfence")
    train_until, test_from = date_split(data_dir)
    commands = {
        "resolve": ["resolve"],
        "network_risk": ["network", "risk"],
        "backtest": ["backtest", "--train-until", train_until, "--test-from", test_from],
        "train": ["train", "--until", train_until],
        "score": ["score", "--json"],
    }
    return {
        name: step(name.replace("_", " "), [ringfence, *commands[name]], env)
        for name in commands
        if name in steps
    }


def exponents(sizes: list[dict[str, Any]], engine: str) -> dict[str, float]:
    """k per step from the first to the last size measured: time ∝ n^k."""
    basis = {"ingest": "rows", "resolve": "mentions", "network_risk": "mentions"}
    first, last = sizes[0], sizes[-1]
    found: dict[str, float] = {}
    for name in ("ingest", "resolve", "network_risk", "backtest", "train", "score"):
        key = basis.get(name, "shipments")
        a = first["ingest"] if name == "ingest" else first["engines"][engine].get(name)
        b = last["ingest"] if name == "ingest" else last["engines"][engine].get(name)
        if a and b and last[key] > first[key] and a["seconds"] > 0:
            ratio = math.log(last[key] / first[key])
            found[name] = round(math.log(b["seconds"] / a["seconds"]) / ratio, 2)
    return found


def one_size(
    scale: float, args: argparse.Namespace, root: Path, cluster_env: dict[str, str] | None
) -> dict[str, Any]:
    """Simulate, ingest once, then copy the lake per engine and run its steps."""
    world, base = root / f"world-{scale}", root / f"data-{scale}"
    print(f"scale {scale}", file=sys.stderr)
    ingest = None
    if not (args.reuse and base.exists()):
        simulate(world, seed=args.seed, days=args.days, scale=scale)
        ingest = step("ingest", [sys.executable, "-c", INGEST, str(base), str(world)], {})
    size: dict[str, Any] = {
        "scale": scale,
        "mentions": lake_rows(base, "parties"),
        "shipments": lake_rows(base, "shipments"),
        "ingest": ingest,
        "engines": {},
    }
    size["rows"] = sum(lake_rows(base, d.name) for d in (base / "lake").iterdir() if d.is_dir())
    for engine in args.engines:
        print(f" {engine}", file=sys.stderr)
        data = root / f"data-{scale}-{engine}"
        if not (args.reuse and data.exists()):
            shutil.copytree(base, data)
        cluster = cluster_env if engine == "cluster" else None
        size["engines"][engine] = run_engine(data, engine, cluster, args.steps)
    return size


def main() -> None:
    """Run the sizes, print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="0.5,1,2", help="Simulator scales, comma-separated.")
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--engines", default="duckdb", help="duckdb, spark (local), cluster.")
    parser.add_argument(
        "--steps",
        default="resolve,network_risk,backtest,train,score",
        help="Engine steps to run, comma-separated (ingest runs unless --reuse finds it done).",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep what --work-dir holds from an earlier run: its ingested data (no ingest "
        "figure then) and each engine's data directory, so that more --steps run on it.",
    )
    parser.add_argument("--worker-memory", default="6g", help="The cluster worker's memory.")
    parser.add_argument("--work-dir", help="Keep the worlds and data here (default: temporary).")
    args = parser.parse_args()
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    with ExitStack() as stack:
        root = Path(args.work_dir or stack.enter_context(tempfile.TemporaryDirectory()))
        cluster_env = None
        if "cluster" in args.engines:
            from ringfence.store.engine.standalone import standalone_cluster

            cores = os.cpu_count() or 2
            cluster = stack.enter_context(
                standalone_cluster(root / "cluster", cores=cores, memory=args.worker_memory)
            )
            # The status page too: executors take the worker's memory (cluster_sizing).
            cluster_env = {
                "RINGFENCE_SPARK_MASTER": cluster.master_url,
                "RINGFENCE_SPARK_MASTER_UI": cluster.status_url,
            }
        sizes = [one_size(float(s), args, root, cluster_env) for s in args.scales.split(",")]
    report = {
        "machine": machine(),
        "load_average": os.getloadavg(),
        "sizes": sizes,
        "growth_exponent": {e: exponents(sizes, e) for e in args.engines},
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
