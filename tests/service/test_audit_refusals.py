"""Refused and failed writes are audited (issue 15, finding 10: refused uploads were not)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.service.refusals import audit_refusal
from ringfence.settings import Settings
from ringfence.store.operational.audit import AuditEntry

API = "/api/v1"


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    application.state.services.store.ensure_organisation("acme", kind="carrier")
    yield application
    application.state.services.jobs.shutdown()


def _entries(app: FastAPI, action: str) -> list[AuditEntry]:
    return [e for e in app.state.services.store.audit_entries() if e.action == action]


def test_a_refused_upload_is_audited_with_who_and_why(app: FastAPI) -> None:
    key = app.state.services.store.create_api_key("acme")
    client = TestClient(app)
    files = {"file": ("x.csv", io.BytesIO(b"id,name\n1,x\n"), "text/csv")}
    response = client.post(
        f"{API}/uploads", headers={"X-API-Key": key}, data={"feed": "no-such-feed"}, files=files
    )
    assert response.status_code == 400
    (entry,) = _entries(app, "request.refused")
    assert (entry.actor, entry.organisation) == ("key:acme", "acme")
    assert entry.detail["path"] == f"{API}/uploads" and entry.detail["status"] == 400
    assert "no-such-feed" in entry.detail["reason"]


def test_an_anonymous_write_is_audited_and_reads_are_not(app: FastAPI) -> None:
    client = TestClient(app)
    assert client.post(f"{API}/sharing", json={}).status_code == 401
    assert client.get(f"{API}/watchlist").status_code == 401
    (entry,) = _entries(app, "request.refused")
    assert entry.actor == "anonymous" and entry.detail["method"] == "POST"


def test_a_failed_ingest_job_is_audited(app: FastAPI) -> None:
    key = app.state.services.store.create_api_key("acme")
    client = TestClient(app)
    files = {"file": ("broken.parquet", io.BytesIO(b"this is not parquet"), "application/x")}
    response = client.post(
        f"{API}/uploads", headers={"X-API-Key": key}, data={"feed": "parties"}, files=files
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    app.state.services.jobs.wait(job_id)
    job = app.state.services.store.job(job_id)
    assert job.status == "failed"
    (entry,) = _entries(app, "ingest.failed")
    assert entry.detail["job"] == job_id and entry.detail["reason"] == job.message
    assert entry.organisation == "acme"


def test_the_helper_never_raises(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    services = app.state.services
    audit_refusal(services, "outcome.refused", actor="o@x.test", organisation="acme",
                  reason="value out of range", task=7)  # fmt: skip
    (entry,) = _entries(app, "outcome.refused")
    assert entry.detail == {"reason": "value out of range", "task": 7}
    from ringfence.errors import StoreError

    def down(*_: object, **__: object) -> None:
        raise StoreError("operational store unavailable")

    monkeypatch.setattr(services.store, "audit", down)
    audit_refusal(services, "outcome.refused", actor="o", organisation=None, reason="r")
