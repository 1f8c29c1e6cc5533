"""Red team F1, as the attacker ran it: score reasons quoted the scorer's stored network path
(link values from every organisation's records: product GTINs of the marketplace's listings,
another organisation's address spelling, seed reasons) that the entity profile hides.

The reader's network path must be the profile's own gated ``seed_path`` (or, when the profile
cannot show the whole path, only its length), in /score, /shipments/{id} and stored task reasons.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tasks import InspectionTaskDraft
from tests.service.world import World, lake_rows

API = "/api/v1"
PREFIX = "Network path from the "
TASK_DATE = "2025-03-01"  # a date of its own: the world's queue is on another
READER = ("customs-nl", "officer")  # reads the carrier's parcels, not the marketplace's listings


def _raw_paths(app: FastAPI, ids: list[str]) -> dict[str, list[str]]:
    """Shipment id → the scorer's own network path sentences (what leaked before the fix)."""
    scored = app.state.services.scorer().score_ids(ids)
    return {
        r["id"]: [t for ts in r["reasons"].values() for t in ts if str(t).startswith(PREFIX)]
        for r in scored
    }


def _entity_of(world: World, shipment_id: str, role: str) -> str | None:
    ref = lake_rows(
        world.settings,
        "shipments",
        f"SELECT {role}_ref AS ref FROM shipments WHERE id = '{shipment_id}'",
    )[0]["ref"]
    found = lake_rows(
        world.settings,
        "entity_mentions",
        f"SELECT entity_id FROM entity_mentions WHERE mention_id = '{ref}'",
    )
    return found[0]["entity_id"] if found else None


def _expected(client: TestClient, headers: dict[str, str], entity: str | None) -> str | None:
    """What the reader's entity profile shows of the entity's path to its seed."""
    if entity is None:
        return None
    first = client.get(f"{API}/entities/{entity}?hops=1", headers=headers)
    if first.status_code == 404:
        return None
    hops = first.json()["seed_path"] and first.json()["seed_path"]["hops"]
    if hops is None:
        return None
    profile = client.get(f"{API}/entities/{entity}?hops={min(max(hops, 1), 4)}", headers=headers)
    path = profile.json()["seed_path"]["path"]
    if path is not None:
        return str(path)
    return f"{hops} link{'' if hops == 1 else 's'} from the nearest seed (not shared with you)"


def _paths_of(reasons: dict[str, list[Any]]) -> list[str]:
    return [str(t) for ts in reasons.values() for t in ts if str(t).startswith(PREFIX)]


@pytest.fixture(scope="module")
def pathed(app: FastAPI, world: World) -> dict[str, list[str]]:
    """Carrier parcels whose scores carry a network path, with the scorer's stored sentences."""
    rows = lake_rows(
        world.settings,
        "shipments",
        "SELECT id FROM shipments WHERE organisation = 'swiftpost' ORDER BY id LIMIT 500",
    )
    raw = _raw_paths(app, [r["id"] for r in rows])
    return {sid: texts for sid, texts in raw.items() if texts}


def test_score_reasons_network_path_is_the_profiles_gated_path(
    client: TestClient, world: World, pathed: dict[str, list[str]]
) -> None:
    """POST /score as customs: every network path equals what the profile shows."""
    headers = world.headers(*READER)
    assert pathed  # the attack has something to find
    ids = sorted(pathed)[:40]
    results = client.post(f"{API}/score", json={"shipment_ids": ids}, headers=headers).json()
    differs = 0
    for result in results["results"]:
        for raw in pathed[result["id"]]:
            role = raw[len(PREFIX) :].split(":", 1)[0]
            want = _expected(client, headers, _entity_of(world, result["id"], role))
            got = [t for t in _paths_of(result["reasons"]) if t.startswith(f"{PREFIX}{role}:")]
            assert got == ([] if want is None else [f"{PREFIX}{role}: {want}"]), result["id"]
            differs += got != [raw]
    assert differs  # the stored text quoted more than the reader may see


def test_shipment_page_and_stored_task_reasons_are_gated(
    scratch_world: World, pathed: dict[str, list[str]]
) -> None:
    """A task stored with the scorer's raw reasons: the queue, the shipment's JSON and its
    HTML page show the reader's gated path, never the stored text."""
    app = create_app(scratch_world.settings)
    headers = scratch_world.headers(*READER)
    sid = sorted(pathed)[0]
    raw = pathed[sid][0]
    with OperationalStore.open(scratch_world.settings) as store:
        store.write_inspection_tasks(
            "customs-nl",
            TASK_DATE,
            [
                InspectionTaskDraft(
                    shipment_id=sid,
                    rank=1,
                    label="counterfeit",
                    probability=0.9,
                    expected_value=1.0,
                    selected_by="exploit",
                    selection_probability=1.0,
                    port=None,
                    reasons={"counterfeit": ["score raised", raw]},
                )
            ],
            actor="test",
        )
    with TestClient(app, raise_server_exceptions=False) as client:
        scored = client.post(f"{API}/score", json={"shipment_ids": [sid]}, headers=headers)
        gated = _paths_of(scored.json()["results"][0]["reasons"])
        assert gated != [raw]
        queue = client.get(f"{API}/queue?target_date={TASK_DATE}", headers=headers).json()
        task = next(t for t in queue["tasks"] if t["shipment_id"] == sid)
        assert task["reasons"]["counterfeit"] == ["score raised", *gated]
        detail = client.get(f"{API}/shipments/{sid}", headers=headers).json()
        assert _paths_of(detail["score"]["reasons"]) == gated
        mine = [t for t in detail["tasks"] if t["target_date"] == TASK_DATE]
        assert [_paths_of(t["reasons"]) for t in mine] == [gated]
        login = scratch_world.logins[READER]
        client.post(f"{API}/session", json={"email": login.email, "password": login.password})
        page = client.get(f"/shipments/{sid}")
        assert page.status_code == 200
        stored = raw.split(": ", 1)[1]
        assert stored not in page.text and html.escape(stored) not in page.text
    app.state.services.jobs.shutdown()
    app.state.services.store.close()
