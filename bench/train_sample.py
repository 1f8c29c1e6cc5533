"""Training on a sample past a million labelled rows: `ringfence train` on synthetic lakes.

    nice -n 10 .venv/bin/python bench/train_sample.py [--rows-list 1000000,3000000[,10000000]]
        [--work DIR] [--keep] [--stop-seconds 600] [--stop-gib 8] [--guard-above 3000000]
        [--deciles]
    nice -n 10 .venv/bin/python bench/train_sample.py --profile DIR/rows-N [--out FILE]

For each size N of ``--rows-list`` (ascending), builds a lake in ``DIR/rows-N`` once (a later
run reuses it) from bench/targeting.py's ``_synthetic(N)`` shipments, with *every* shipment
labelled (``_synthetic`` labels a fifth; here each shipment gets a ``fraud`` outcome, positive
at its 20 %, and an ``ipr`` one at its 1 %), then runs the real training path
(``score.pipeline.train``: profile prior chosen from its grid, ``RINGFENCE_TRAIN_MAX_ROWS`` as
set, default 1,000,000) in a child process of its own, so its wall and CPU seconds and its peak
resident memory belong to that size alone. Per size: labelled rows, rows trained on (the
manifest's ``training_sample``), trees per label, the manifest's validation metrics, and the
load average. ``--deciles`` trains with the top-decile flags (``features.TOP_DECILES``, off by
default), to see whether their query fits. A size above ``--guard-above`` is skipped (and said
so) when the previous one took more than ``--stop-seconds`` or peaked above ``--stop-gib``. The
lakes are deleted afterwards unless ``--keep``. Prints one JSON object.

``--profile`` runs, on a lake built before (``--keep``), the one feature query the training's
prior grid runs (``reprior.counted_rows``: out of fold, hidden counts, the sample's condition)
under DuckDB's profiler, and prints the query's peak memory, spill, time, and its costliest
operators (the whole profile goes to ``--out``, default ``DIR/profile.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, run_measured
from targeting import _synthetic

from ringfence.model.feeds import feed
from ringfence.settings import Settings
from ringfence.store.lake import Lake

RATES = (("fraud", 0.2), ("ipr", 0.01))  # _synthetic's positive rates among the inspected


def _every_row_labelled(shipments: pa.Table, seed: int = 3) -> pa.Table:
    """One outcome per shipment and label of ``RATES``, dated on the shipment's date."""
    rng = np.random.default_rng(seed)
    ids = shipments.column("id").to_numpy(zero_copy_only=False).astype(str)
    dates = shipments.column("date").to_numpy(zero_copy_only=False)
    n = len(ids)
    cols: dict[str, Any] = {
        "shipment_ref": np.tile(ids, len(RATES)),
        "label": np.repeat([label for label, _ in RATES], n),
        "positive": np.concatenate([rng.random(n) < rate for _, rate in RATES]),
        "date": np.tile(dates, len(RATES)),
    }
    cols["id"] = np.char.add("ou-", np.arange(n * len(RATES)).astype(str))
    schema = feed("outcomes").schema
    return pa.table(
        {
            name: pa.array(cols[name], schema.field(name).type)
            if name in cols
            else pa.nulls(n * len(RATES), schema.field(name).type)
            for name in schema.names
        }
    )


def build(rows: int, data: Path) -> dict[str, Any]:
    """Write the lake of ``rows`` shipments, all labelled, into ``data`` (once)."""
    done = data / "BUILT"
    if done.is_file():
        return json.loads(done.read_text())
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    shipments, _ = _synthetic(rows)
    outcomes = _every_row_labelled(shipments)
    lake = Lake(Settings(data_dir=data))
    lake.write_table("shipments", shipments, "bench")
    lake.write_table("outcomes", outcomes, "bench")
    record = {"shipments": rows, "outcomes": outcomes.num_rows,
              "seconds": round(time.perf_counter() - started, 2)}  # fmt: skip
    done.write_text(json.dumps(record))
    return record


def train_once(data: Path, deciles: bool = False) -> dict[str, Any]:
    """``ringfence train`` (up to the last shipment) on the lake in ``data``; the manifest."""
    from ringfence.score import features
    from ringfence.score.pipeline import train

    features.TOP_DECILES = deciles

    settings = Settings(data_dir=data)
    started, cpu = time.perf_counter(), time.process_time()
    _, folder = train(settings)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    labels = manifest["labels"]
    sample = manifest.get("training_sample")
    return {
        "train_max_rows": settings.train_max_rows,
        "top_deciles": deciles,
        "train_seconds": round(seconds, 1),  # train() alone; "seconds" adds start and the check
        "train_cpu_seconds": round(cpu, 1),
        "training_sample": sample,
        "sample_check": check_sample(settings, sample),
        "trees": {label: spec["validation"].get("trees") for label, spec in labels.items()},
        "validation": {label: spec["validation"] for label, spec in labels.items()},
        "profile_prior": manifest.get("profile_prior"),
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }


DRAWN_SQL = """
SELECT coalesce(sum(CASE WHEN positive THEN 1 ELSE 0 END), 0) AS positives_drawn,
       coalesce(sum(CASE WHEN positive THEN 0 ELSE 1 END), 0) AS negatives_drawn
FROM (SELECT shipment_ref AS id, bool_or(positive) AS positive FROM outcomes
      WHERE shipment_ref IS NOT NULL GROUP BY shipment_ref) AS per_shipment
WHERE {condition}
"""


def check_sample(settings: Settings, sample: dict[str, Any] | None) -> dict[str, Any] | None:
    """Counted apart from training: the shipments the sample's condition draws, positives and
    negatives (the window holds every shipment: training runs up to the last), beside what the
    plan expects of each; ``exact`` when they add up to the rows trained on."""
    from ringfence.score import sample as sampling
    from ringfence.score.inputs import register_inputs
    from ringfence.store.engine import open_engine

    if sample is None:
        return None
    engine = open_engine(settings)
    try:
        register_inputs(settings, engine)
        until = dt.date.fromisoformat(sample["until"])
        plan = sampling.plan_sample(engine, settings.train_max_rows, until)
        assert plan is not None
        counts = engine.query(DRAWN_SQL.format(condition=plan.condition())).to_pylist()[0]
    finally:
        engine.close()
    counts = {k: int(v) for k, v in counts.items()}
    counts["expected_negatives"] = round(plan.fraction * (plan.labelled - plan.positives))
    counts["positive_fractions"] = sample.get("positive_fractions") or {}
    counts["exact"] = counts["positives_drawn"] + counts["negatives_drawn"] == sample["kept"]
    return counts


def profile(data: Path, out: Path | None) -> dict[str, Any]:
    """The training's feature query on the lake in ``data`` under DuckDB's JSON profiler."""
    from ringfence.score import sample as sampling
    from ringfence.score.labelled import prepare
    from ringfence.store.engine import open_engine

    settings, out = Settings(data_dir=data), out or data / "profile.json"
    engine = open_engine(settings)
    try:
        query = prepare(settings, engine, None, oof=True)
        last = engine.query("SELECT max(date) AS last FROM shipments").column(0)[0].as_py()
        until = dt.date.fromisoformat(str(last)[:10])
        plan = sampling.plan_sample(engine, settings.train_max_rows, until)
        sql = query.with_counts().where(sampling.condition_for(plan))
        con = engine._con  # type: ignore[attr-defined]  # DuckDB only
        con.execute("PRAGMA enable_profiling='json'")
        con.execute(f"PRAGMA profiling_output='{out}'")
        rows = con.sql(sql).to_arrow_table().num_rows
        con.execute("PRAGMA disable_profiling")
    finally:
        engine.close()
    report = json.loads(out.read_text())
    times: dict[str, list[float]] = {}

    def walk(node: dict[str, Any]) -> None:
        name = node["name"]
        if name == "CTE_SCAN":
            name += f" #{node.get('extra_info', {}).get('CTE Index')}"
        times.setdefault(name, []).append(node.get("timing", 0.0))
        for child in node.get("children", []):
            walk(child)

    for node in report["operator"]:
        walk(node)
    top = sorted(times.items(), key=lambda kv: -sum(kv[1]))[:8]
    return {
        "rows": rows,
        "seconds": round(report["query"]["total_time"], 1),
        "operator_seconds": round(report["query"]["cpu_time"], 1),
        "system": report["system"],
        "costliest": {name: [len(t), round(sum(t), 1)] for name, t in top},
        "profile": str(out),
    }


def _child(flag: str, rows: int, data: Path, *extra: str) -> list[str]:
    return [sys.executable, __file__, flag, "--rows", str(rows), "--data", str(data), *extra]


def measure(rows: int, data: Path, deciles: bool = False) -> dict[str, Any]:
    """Build (a child process), then train in another, measured (``deciles``: with the
    top-decile flags)."""
    built = subprocess.run(_child("--build", rows, data), capture_output=True, text=True)
    if built.returncode:
        raise SystemExit(f"building {rows:,} rows failed:\n{built.stderr[-2000:]}")
    load_before = [round(v, 2) for v in os.getloadavg()]
    run = run_measured(_child("--train", rows, data, *(["--deciles"] if deciles else [])))
    result = json.loads(run["stdout"].strip().splitlines()[-1])
    sample = result["training_sample"]
    return {
        "shipments": rows,
        "lake": json.loads(built.stdout),
        "labelled": sample["labelled"] if sample else rows,
        "sampled": sample is not None,
        "rows_trained_on": sample["kept"] if sample else rows,
        "seconds": round(run["seconds"], 1),
        "cpu_seconds": round(run["cpu_seconds"], 1),
        "peak_rss_gib": round(run["peak_rss_mib"] / 1024, 2),
        "load_average_before": load_before,
        **result,
    }


def _stop_reason(last: dict[str, Any], seconds: float, gib: float) -> str | None:
    if "seconds" not in last:  # skipped or failed itself
        return last.get("skipped") or "previous size failed"
    if last["seconds"] > seconds:
        return f"previous size took {last['seconds']} s > --stop-seconds {seconds:g}"
    if last["peak_rss_gib"] > gib:
        return f"previous size peaked at {last['peak_rss_gib']} GiB > --stop-gib {gib:g}"
    return None


def _why(text: str) -> str:
    """A failed size's error lines (``...Error: ...``, ``...Exception: ...``: a traceback's
    cause sits in its middle) first, then the text's head and tail."""
    causes = [line for line in text.splitlines() if re.match(r"^[\w.]+(Error|Exception): ", line)]
    shown = text if len(text) <= 2500 else f"{text[:800]}\n[...]\n{text[-700:]}"
    return "\n".join([*causes, shown])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows-list", default="1000000,3000000")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the lakes")
    parser.add_argument("--stop-seconds", type=float, default=600.0)
    parser.add_argument("--stop-gib", type=float, default=8.0)
    parser.add_argument("--guard-above", type=int, default=3_000_000)
    parser.add_argument("--deciles", action="store_true", help="train with top-decile flags")
    parser.add_argument("--profile", type=Path, help="profile the training's query on a lake")
    parser.add_argument("--out", type=Path, default=None, help="--profile's JSON profile")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--train", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        print(json.dumps(profile(args.profile, args.out), indent=2))
        return
    if args.build or args.train:  # a child process
        done = build(args.rows, args.data) if args.build else train_once(args.data, args.deciles)
        print(json.dumps(done))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="rf-bench-train-sample-"))
    sizes: list[dict[str, Any]] = []
    for rows in sorted(int(r) for r in args.rows_list.split(",")):
        guarded = sizes and rows > args.guard_above
        reason = _stop_reason(sizes[-1], args.stop_seconds, args.stop_gib) if guarded else None
        if reason:
            sizes.append({"shipments": rows, "skipped": reason})
            continue
        data = work / f"rows-{rows}"
        try:
            sizes.append(measure(rows, data, args.deciles))
        except SystemExit as failed:  # a child failed (e.g. out of memory): say so, go on
            sizes.append({"shipments": rows, "failed": _why(str(failed))})
        finally:
            if not args.keep:
                shutil.rmtree(data, ignore_errors=True)
    print(json.dumps({"sizes": sizes, "machine": machine()}, indent=2))


if __name__ == "__main__":
    main()
