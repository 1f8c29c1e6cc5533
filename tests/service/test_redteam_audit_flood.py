"""Red team D1, as the attacker ran it: refused writes without credentials are audited (a
refusal is a decision worth keeping), with no limit, so one client with no account appended
~45 entries a second, and the audit page, which re-verifies the whole chain on every view, went
from 0.04 s to 0.74 s after 5,300 of them. Now each client address gets
``RINGFENCE_ANONYMOUS_REFUSALS_AUDITED_PER_MINUTE`` audited a minute; the rest are counted,
logged, and summed up in one ``request.refused.suppressed`` entry once the minute is over.
Callers with credentials are audited whatever their number."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.service.app import create_app
from ringfence.service.refusals import AnonymousRefusals
from ringfence.settings import Settings

API = "/api/v1"
LIMIT = 3


class Clock:
    """A minute that passes when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings.model_copy(
        update={"anonymous_refusals_audited_per_minute": LIMIT}))  # fmt: skip
    application.state.services.store.ensure_organisation("acme", kind="carrier")
    yield application
    application.state.services.jobs.shutdown()


def _actions(app: FastAPI) -> list[str]:
    return [e.action for e in app.state.services.store.audit_entries()]


def test_anonymous_refusals_cannot_flood_the_audit_log(app: FastAPI) -> None:
    clock = Clock()
    app.state.anonymous_refusals = AnonymousRefusals(LIMIT, clock=clock)
    client = TestClient(app)
    for _ in range(50):
        assert client.post(f"{API}/sharing", json={}).status_code == 401
    assert _actions(app).count("request.refused") == LIMIT
    assert "request.refused.suppressed" not in _actions(app)

    clock.now += 61  # the minute is over: its left-out refusals are summed up, once
    assert client.post(f"{API}/sharing", json={}).status_code == 401
    entries = app.state.services.store.audit_entries()
    (summary,) = [e for e in entries if e.action == "request.refused.suppressed"]
    assert summary.detail["count"] == 50 - LIMIT and summary.actor == "anonymous"
    assert _actions(app).count("request.refused") == LIMIT + 1
    assert app.state.services.store.verify_audit().ok  # the summary is chained like the rest


def test_refusals_with_credentials_are_all_audited(app: FastAPI) -> None:
    key = app.state.services.store.create_api_key("acme")
    client = TestClient(app)
    for _ in range(LIMIT * 3):
        refused = client.post(f"{API}/uploads", headers={"X-API-Key": key},
                              data={"feed": "no-such-feed"})  # fmt: skip
        assert refused.status_code in (400, 422), refused.text
    assert _actions(app).count("request.refused") == LIMIT * 3


def test_addresses_are_forgotten_once_their_minute_is_over() -> None:
    clock = Clock()
    tracker = AnonymousRefusals(1, clock=clock)
    assert tracker.admit("a") == (True, 0)
    assert tracker.admit("a") == (False, 0)
    clock.now += 60
    assert tracker.admit("a") == (True, 1)  # the ended minute left one out
    assert tracker.admit("b") == (True, 0)  # addresses count apart
