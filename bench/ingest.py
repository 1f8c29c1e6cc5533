"""Ingestion benchmark: 1M simulated carrier manifest lines from CSV, against DuckDB alone.

    .venv/bin/python bench/ingest.py [--days 500] [--scale 1.0] [--work DIR]

Simulates a world whose carrier manifest has days × 2,000 × scale lines (1M by default; the
simulation is timed too: 1M shipments must take under a minute), then in separate child
processes (so each peak memory is that step's alone):
1. DuckDB alone converts the manifest CSV to Parquet (its own type detection, same encoding);
2. ``ringfence ingest`` maps, cleans, validates, de-duplicates and writes the same file;
3. the same file is ingested again (idempotence: nothing may be added).
Prints one JSON object. The issue's target: ingest time at most 5 × DuckDB's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BIN, machine, run_measured

from ringfence.sim import simulate

CARRIER_FEED = ("swiftpost", "shipments")


def _manifest(world: Path) -> tuple[Path, str]:
    manifest = json.loads((world / "world.json").read_text())
    for entry in manifest["feeds"]:
        if (entry["organisation"], entry["kind"]) == CARRIER_FEED:
            return world / entry["path"], entry["mapping"]
    raise SystemExit("the simulated world has no carrier manifest")


def _duckdb_convert(csv: Path, out: Path) -> dict[str, object]:
    code = (
        "import duckdb, sys\n"
        "duckdb.sql(f\"COPY (SELECT * FROM read_csv('{sys.argv[1]}', delim=';', header=true, "
        "encoding='latin-1')) TO '{sys.argv[2]}' (FORMAT parquet)\")\n"
    )
    return run_measured([sys.executable, "-c", code, str(csv), str(out)])


def _ingest(csv: Path, mapping: str, data_dir: Path) -> dict[str, object]:
    args = [str(BIN / "ringfence"), "ingest", "shipments", str(csv), "--mapping", mapping,
            "--org", CARRIER_FEED[0], "--json"]
    result = run_measured(args, env={"RINGFENCE_DATA_DIR": str(data_dir)})
    result["summary"] = json.loads(result.pop("stdout"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rf-bench-ingest-"))
    shutil.rmtree(work / "data", ignore_errors=True)
    started = time.perf_counter()
    simulate(work / "world", seed=7, days=args.days, scale=args.scale)
    simulate_seconds = time.perf_counter() - started
    csv, mapping = _manifest(work / "world")
    duck = _duckdb_convert(csv, work / "duckdb.parquet")
    first = _ingest(csv, mapping, work / "data")
    again = _ingest(csv, mapping, work / "data")
    rows = first["summary"]["rows_read"]
    print(json.dumps({
        "benchmark": "ingest",
        "input": {"file": csv.name, "rows": rows, "bytes": csv.stat().st_size,
                  "days": args.days, "scale": args.scale},
        "simulate_seconds": round(simulate_seconds, 2),
        "ringfence": {
            "seconds": round(first["seconds"], 2),
            "rows_per_s": round(rows / first["seconds"]),
            "peak_rss_mib": round(first["peak_rss_mib"]),
            "accepted": first["summary"]["accepted"],
            "quarantined": first["summary"]["quarantined"],
            "duplicates": first["summary"]["duplicates"],
        },
        "duckdb_csv_to_parquet": {
            "seconds": round(duck["seconds"], 2),
            "peak_rss_mib": round(duck["peak_rss_mib"]),
        },
        "ratio_to_duckdb": round(first["seconds"] / duck["seconds"], 2),
        "target_ratio": 5.0,
        "reingest": {
            "seconds": round(again["seconds"], 2),
            "accepted": again["summary"]["accepted"],
            "duplicates": again["summary"]["duplicates"],
        },
        "machine": machine(),
    }, indent=2))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
