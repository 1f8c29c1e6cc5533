"""Entity profile latency with the policy gate on every value (per-field ownership, link values).

    .venv/bin/python bench/entity_profile.py [--data-dir DIR] [--days 30] [--scale 0.05]
                                             [--entities 30] [--hops 2]

Without ``--data-dir`` a small world is simulated, ingested, resolved and given network risk in a
temporary folder; the demo access is seeded. ``--entities`` entities known to two or more
organisations (evenly spread over their ids) are profiled in process (FastAPI's test client, one
warm-up call first) as the marketplace and as customs, ``GET /api/v1/entities/{id}?hops=N``.
Prints one JSON object: milliseconds p50/p95/max per reader and the edges whose value the gate
withheld.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

from ringfence.service.app import create_app
from ringfence.service.seed import seed_demo_access
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

READERS = ("bazaar", "customs-nl")


def _prepare(data_dir: Path, days: int, scale: float) -> None:
    from ringfence.demo import ingest_world
    from ringfence.resolve.network.risk import compute_network_risk
    from ringfence.resolve.pipeline import resolve_parties
    from ringfence.sim import simulate

    settings = Settings(data_dir=data_dir)
    simulate(data_dir / "world", seed=7, days=days, scale=scale)
    ingest_world(settings, data_dir / "world")
    resolve_parties(settings)
    compute_network_risk(settings)


def _entities(settings: Settings, count: int) -> list[str]:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, "entities")
        rows = engine.query(
            "SELECT entity_id FROM entities WHERE len(organisations) > 1 ORDER BY entity_id"
        ).to_pylist()
    finally:
        engine.close()
    ids = [r["entity_id"] for r in rows]
    step = max(1, len(ids) // max(1, count))
    return ids[::step][:count]


def _keys(settings: Settings) -> dict[str, str]:
    with OperationalStore.open(settings) as store:
        seed_demo_access(store)
        return {org: store.create_api_key(org) for org in READERS}


def run(data_dir: Path, count: int, hops: int) -> dict[str, Any]:
    """Profile ``count`` shared entities as each reader; latency and withheld link values."""
    settings = Settings(data_dir=data_dir)
    keys, ids = _keys(settings), _entities(settings, count)
    app = create_app(settings)
    out: dict[str, Any] = {"entities": len(ids), "hops": hops, "machine": machine()}
    try:
        with TestClient(app) as client:
            for reader in READERS:
                headers = {"Authorization": f"Bearer {keys[reader]}"}
                client.get(f"/api/v1/entities/{ids[0]}?hops={hops}", headers=headers)
                times, edges, withheld = [], 0, 0
                for entity in ids:
                    started = time.perf_counter()
                    response = client.get(f"/api/v1/entities/{entity}?hops={hops}", headers=headers)
                    times.append((time.perf_counter() - started) * 1000)
                    body = response.json() if response.status_code == 200 else {"edges": []}
                    edges += len(body["edges"])
                    withheld += sum(1 for e in body["edges"] if e["value"] is None)
                out[reader] = {
                    "p50_ms": round(float(np.percentile(times, 50)), 1),
                    "p95_ms": round(float(np.percentile(times, 95)), 1),
                    "max_ms": round(max(times), 1),
                    "edges": edges,
                    "values_withheld": withheld,
                }
    finally:
        app.state.services.jobs.shutdown()
        app.state.services.store.close()
    return out


def main() -> None:
    """Parse arguments, prepare a world if needed, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--entities", type=int, default=30)
    parser.add_argument("--hops", type=int, default=2)
    args = parser.parse_args()
    if args.data_dir is not None:
        print(json.dumps(run(args.data_dir, args.entities, args.hops), indent=2))
        return
    with tempfile.TemporaryDirectory(prefix="rf-entity-bench-") as folder:
        _prepare(Path(folder), args.days, args.scale)
        print(json.dumps(run(Path(folder), args.entities, args.hops), indent=2))


if __name__ == "__main__":
    main()
