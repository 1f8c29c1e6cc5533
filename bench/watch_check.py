"""Watch checks: the cost of comparing what links to watched entities now with what was seen.

    nice .venv/bin/python bench/watch_check.py [--data-dir DIR] [--watches 50] [--org ipr-center]

Without ``--data-dir`` the demo world is prepared in a temporary folder (tests/worlds.py, about
15 s). ``--watches`` entities the organisation may read (most records first) are watched (the
baseline check is timed per watch), then one ``check_watches`` of the organisation is timed (no
new data: every link is read again through the gate and compared), then one shipment of a watched
entity's carrier record is ingested and the check timed again (it must find exactly one alert).
Prints one JSON object; ``load`` is the 1-minute load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import machine

from ringfence.ingest import ingest_files
from ringfence.investigate.check import check_watches, organisation_caller
from ringfence.investigate.watch_store import WatchStore
from ringfence.service import sharing
from ringfence.service.context import Services
from ringfence.service.views.investigate import WatchIn, add_watch
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore


def _watched(services: Services, organisation: str, count: int) -> list[dict[str, Any]]:
    """Entities the organisation may read with a carrier's shipper record, most records first."""
    sql = (
        "SELECT m.entity_id, min(m.source_key) FILTER (WHERE m.organisation = 'swiftpost' "
        "AND m.role = 'shipper') AS key, count(*) AS n FROM entity_mentions m "
        "GROUP BY m.entity_id HAVING bool_or(m.organisation = 'swiftpost' AND m.role = 'shipper') "
        "ORDER BY n DESC, m.entity_id"
    )
    rows = sharing.query_lake(services, ("entity_mentions",), sql)
    caller = organisation_caller(services, organisation)
    readable = {
        r["entity_id"]
        for r in sharing.read_entities(services, caller, [r["entity_id"] for r in rows])
    }
    return [r for r in rows if r["entity_id"] in readable][:count]


def main() -> None:
    """Run the measurement and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--watches", type=int, default=50)
    parser.add_argument("--org", default="ipr-center")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    if args.data_dir is None:
        from tests.worlds import prepare_world

        args.data_dir = Path(tempfile.mkdtemp()) / "data"
        prepare_world(args.data_dir)
    settings = Settings(data_dir=args.data_dir)
    store = OperationalStore.open(settings)
    services = Services(settings, store)
    watches = WatchStore.for_store(store)
    for w in watches.watches(args.org):
        watches.remove_watch(args.org, w.entity_id, actor="bench")
    chosen = _watched(services, args.org, args.watches)
    caller = organisation_caller(services, args.org).__class__(
        **{**organisation_caller(services, args.org).__dict__, "role": "admin", "email": "bench"}
    )
    started = time.perf_counter()
    for row in chosen:
        add_watch(services, caller, WatchIn(entity_id=row["entity_id"]))
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    quiet = check_watches(services, args.org)
    quiet_s = time.perf_counter() - started
    shipper = str(chosen[0]["key"])
    path = Path(tempfile.mkdtemp()) / "one.csv"
    path.write_text(f"id,date,shipper\nBENCH-{time.time_ns()},2025-03-01,{shipper}\n", "utf-8")
    ingest_files(settings, "shipments", [path], organisation="swiftpost")
    started = time.perf_counter()
    found = check_watches(services, args.org)
    found_s = time.perf_counter() - started
    print(json.dumps({
        "watches": len(chosen),
        "baseline_ms_per_watch": round(1000 * baseline / max(1, len(chosen)), 1),
        "check_seconds_no_new_data": round(quiet_s, 2),
        "check_ms_per_watch": round(1000 * quiet_s / max(1, len(chosen)), 1),
        "new_alerts_without_new_data": quiet.alerts,
        "check_seconds_after_one_shipment": round(found_s, 2),
        "alerts_after_one_shipment": found.alerts,
        "load_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "machine": machine(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
