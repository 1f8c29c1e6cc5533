"""First opening of the shipment and entity pages, with and without warming at start-up.

    .venv/bin/python bench/page_open.py --data-dir DIR [--organisation customs-nl] [--pages 5]

Over a demo data directory (``ringfence demo --no-serve``), for an app built cold
(``create_app(settings)``: derived indexes built by the first request that needs them) and one
built as ``ringfence serve`` builds it (``warm=True``: built in the background at start-up; the
first request is sent once they are), an officer of ``--organisation`` opens the HTML page of
the first shipment of its queue, then of that shipment's first party entity, then ``--pages``
more shipments and their entities; the warm app then drops its indexes as an ingest does, builds
them again by itself (``after_ingest.rewarm_seconds``) and opens a shipment and its entity once
more. Prints one JSON object: the first opens and the medians
(milliseconds), the warm-up's own seconds, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

from ringfence.service.app import create_app
from ringfence.service.context import DERIVED, SESSION_COOKIE
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore

WARM_LIMIT_SECONDS = 300.0


def _session(settings: Settings, organisation: str) -> tuple[str, list[str]]:
    """A session token of the organisation's first officer and its queue's shipments."""
    with OperationalStore.open(settings) as store:
        user = next(
            u for u in store.users() if u.organisation == organisation and u.role == "officer"
        )
        token, _ = store.create_web_session(user.id)
        shipments = [t.shipment_id for t in store.inspection_tasks(organisation)]
    return token, list(dict.fromkeys(shipments))


def _timed(client: TestClient, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    return round((time.perf_counter() - started) * 1000, 1)


def _entity_of(client: TestClient, shipment: str) -> str | None:
    parties = client.get(f"/api/v1/shipments/{shipment}").json()["parties"]
    return next((p["entity_id"] for p in parties if p.get("entity_id")), None)


def _run(settings: Settings, warm: bool, token: str, shipments: list[str]) -> dict[str, Any]:
    app = create_app(settings, warm=warm)
    out: dict[str, Any] = {}
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        services = app.state.services
        if warm:
            started = time.perf_counter()
            while not services.is_built(*DERIVED):
                if time.perf_counter() - started > WARM_LIMIT_SECONDS:
                    break
                time.sleep(0.1)
            out["warm_up_seconds"] = round(time.perf_counter() - started, 2)
        out["first_shipment_ms"] = _timed(client, f"/shipments/{shipments[0]}")
        entity = _entity_of(client, shipments[0])
        out["first_entity_ms"] = _timed(client, f"/entities/{entity}") if entity else None
        more_shipments, more_entities = [], []
        for shipment in shipments[1:]:
            more_shipments.append(_timed(client, f"/shipments/{shipment}"))
            entity = _entity_of(client, shipment)
            if entity:
                more_entities.append(_timed(client, f"/entities/{entity}"))
        out["next_shipments_median_ms"] = statistics.median(more_shipments or [0.0])
        out["next_entities_median_ms"] = statistics.median(more_entities or [0.0])
        if warm:
            out["after_ingest"] = _after_ingest(client, services, shipments)
    return out


def _after_ingest(client: TestClient, services: Any, shipments: list[str]) -> dict[str, Any]:
    """New data lands (what an ingest does to the indexes); the served app builds them again
    by itself; then the first shipment and entity are opened."""
    services.forget_derived(tell_others=False)
    started = time.perf_counter()
    while not services.is_built(*DERIVED) and time.perf_counter() - started < WARM_LIMIT_SECONDS:
        time.sleep(0.1)
    out: dict[str, Any] = {"rewarm_seconds": round(time.perf_counter() - started, 2)}
    out["first_shipment_ms"] = _timed(client, f"/shipments/{shipments[-1]}")
    entity = _entity_of(client, shipments[-1])
    out["first_entity_ms"] = _timed(client, f"/entities/{entity}") if entity else None
    return out


def main() -> None:
    """Parse arguments, time both apps, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--organisation", default="customs-nl")
    parser.add_argument("--pages", type=int, default=5)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    token, shipments = _session(settings, args.organisation)
    if not shipments:
        raise SystemExit(f"{args.organisation} has no inspection queue in {args.data_dir}")
    shipments = shipments[: args.pages + 1]
    result = {
        "organisation": args.organisation,
        "cold": _run(settings, False, token, shipments),
        "warm": _run(settings, True, token, shipments),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
