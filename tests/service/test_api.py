"""The API end to end on the prepared world: uploads, outcomes, detail pages, scoring, health."""

from __future__ import annotations

import io
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.errors import StoreError
from ringfence.store.operational import OperationalStore
from tests.service.world import OUTSIDER, World, lake_rows

API = "/api/v1"


def test_health_and_metrics(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    client.get(f"{API}/me")  # a 401, counted under its route template
    text = client.get("/metrics").text
    assert 'ringfence_http_requests_total{method="GET",route="/api/v1/me",status="401"}' in text
    assert "ringfence_http_request_seconds_bucket" in text


def test_upload_runs_as_job_with_progress_and_quarantine(
    app: FastAPI, client: TestClient, world: World
) -> None:
    headers = world.headers(OUTSIDER)
    csv = (
        b"id,name,country,role\nup-1,Upload Test One,MT,shipper\nup-2,Upload Test Two,XX,shipper\n"
        b"up-3,,MT,shipper\n"
    )
    response = client.post(
        f"{API}/uploads",
        data={"feed": "parties"},
        files={"file": ("more-parties.csv", io.BytesIO(csv), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    app.state.services.jobs.wait(job_id)
    job = client.get(f"{API}/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "done", job
    summary = job["result"]["summary"]
    # A missing name quarantines its row; an unknown country is a field problem of a kept row.
    assert (summary["accepted"], summary["quarantined"], job["done"]) == (2, 1, 3)
    assert summary["field_problems"] == 1
    quarantine = client.get(f"{API}/jobs/{job_id}/quarantine", headers=headers).json()
    assert quarantine["paging"]["total"] == 1 and quarantine["kind"] == "row"
    assert quarantine["items"][0]["field"] == "name"
    problems = client.get(f"{API}/jobs/{job_id}/field-problems", headers=headers).json()
    assert problems["kind"] == "field" and problems["paging"]["total"] == 1
    assert (problems["items"][0]["field"], problems["items"][0]["raw"]) == ("country", "XX")
    assert job_id in {j["id"] for j in client.get(f"{API}/jobs", headers=headers).json()["jobs"]}
    with OperationalStore.open(world.settings) as store:
        assert any(
            e.action == "ingest" and e.organisation == OUTSIDER
            for e in store.audit_entries(limit=10)
        )


def test_upload_needs_a_role_and_a_known_feed(client: TestClient, world: World) -> None:
    files = {"file": ("x.csv", io.BytesIO(b"id,name\n1,a\n"), "text/csv")}
    brand = world.headers("brand-lumina", "brand_user")
    assert (
        client.post(
            f"{API}/uploads", data={"feed": "parties"}, files=files, headers=brand
        ).status_code
        == 403
    )


def test_recorded_seizure_reaches_queue_seizures_dashboard_brand_and_audit(
    client: TestClient, world: World
) -> None:
    officer = world.headers("customs-nl", "officer")
    queue = client.get(f"{API}/queue", headers=officer).json()
    assert queue["target_date"] == "2025-02-01" and queue["tasks"]
    task = queue["tasks"][0]
    assert task["reasons"] and task["shipment"]["id"] == task["shipment_id"]
    before = client.get(f"{API}/dashboard?days=3650", headers=officer).json()["headline"]
    brand_before = client.get(f"{API}/seizures", headers=world.headers("brand-northpeak")).json()
    body = {
        "positive": True,
        "result": "seized",
        "brand": "Glacier Line",
        "units": 4,
        "value": 120.0,
        "currency": "EUR",
        "goods_found": "boots",
    }
    recorded = client.post(f"{API}/queue/{task['id']}/outcome", json=body, headers=officer)
    assert recorded.status_code == 201, recorded.text
    again = client.get(f"{API}/queue", headers=officer).json()
    assert task["id"] not in {t["id"] for t in again["tasks"]}  # done: off the open queue
    after = client.get(f"{API}/dashboard?days=3650", headers=officer).json()["headline"]
    assert after["seizures"] == before["seizures"] + 1
    brand_after = client.get(f"{API}/seizures", headers=world.headers("brand-northpeak")).json()
    assert brand_after["paging"]["total"] == brand_before["paging"]["total"] + 1
    lumina = client.get(f"{API}/seizures", headers=world.headers("brand-lumina")).json()
    assert f"recorded-{recorded.json()['id']}" not in {i["id"] for i in lumina["items"]}
    with OperationalStore.open(world.settings) as store:
        assert store.verify_audit().ok
        assert any(
            e.action == "outcome.record"
            and e.actor == world.logins[("customs-nl", "officer")].email
            for e in store.audit_entries(limit=10)
        )
    audit = client.get(f"{API}/audit", headers=world.headers("customs-nl")).json()
    assert audit["chain_ok"] and all(e["organisation"] == "customs-nl" for e in audit["entries"])


def test_shipment_detail_score_and_entity_profile(client: TestClient, world: World) -> None:
    customs = world.headers("customs-nl", "analyst")
    seized = lake_rows(
        world.settings,
        "outcomes",
        "SELECT shipment_ref FROM outcomes WHERE result = 'seized' AND organisation = 'customs-nl' "
        "ORDER BY shipment_ref LIMIT 1",
    )[0]["shipment_ref"]
    detail = client.get(f"{API}/shipments/{seized}", headers=customs).json()
    assert detail["shipment"]["id"] == seized
    assert any(o["result"] == "seized" for o in detail["outcomes"])
    assert detail["parties"] and detail["score"]["scores"]
    batch = client.post(f"{API}/score", json={"shipment_ids": [seized, seized]}, headers=customs)
    assert [r["id"] for r in batch.json()["results"]] == [seized, seized]
    entity = next(p["entity_id"] for p in detail["parties"] if p["entity_id"])
    profile = client.get(f"{API}/entities/{entity}?hops=2", headers=customs).json()
    assert profile["entity"]["entity_id"] == entity
    assert profile["nodes"] and profile["nodes"][0]["hops"] == 0
    ids = {n["entity_id"] for n in profile["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in profile["edges"])


def test_screen_finds_a_watchlisted_party(client: TestClient, world: World) -> None:
    entry = lake_rows(
        world.settings,
        "watchlist",
        "SELECT name FROM watchlist WHERE organisation = 'ipr-center' LIMIT 1",
    )[0]
    started = time.perf_counter()
    response = client.post(
        f"{API}/screen", json={"name": entry["name"]}, headers=world.headers("swiftpost")
    )
    assert response.status_code == 200 and time.perf_counter() - started < 30
    matches = response.json()["matches"]
    assert matches and matches[0]["watchlisted"]


def test_health_reports_an_unreachable_store_as_503(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> None:
        raise StoreError("cannot reach the operational store")

    monkeypatch.setattr(app.state.services.store, "current_revision", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "StoreError"
