"""Red team F4, as the attacker ran it: after new data lands, the next /score or /screen rebuilt
the indexes on the event loop and no other request was answered meanwhile (healthz 79 s).

The rebuild is made slow here (the red team's was slow because of a big lake): while one
request waits for it, the server must keep answering others, and the waiting request still
gets its answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.resolve.screen import ScreeningIndex
from ringfence.score.online import OnlineScorer
from ringfence.service.app import create_app
from tests.service.world import World, lake_rows

API = "/api/v1"
BUILD_SECONDS = 3.0


def _slowed(original: Any) -> Any:
    def load(cls: type, *args: Any, **kwargs: Any) -> Any:
        time.sleep(BUILD_SECONDS)
        return original.__func__(cls, *args, **kwargs)

    return classmethod(load)


def _answers_meanwhile(client: TestClient, slow_request: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds /healthz took while ``slow_request`` ran in another thread, and its response."""
    answer: list[Any] = []
    worker = threading.Thread(target=lambda: answer.append(slow_request()))
    worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    health = client.get("/healthz")
    took = time.monotonic() - started
    worker.join(timeout=60)
    assert health.status_code == 200
    return took, answer[0]


@pytest.mark.parametrize("route", ["score", "screen"])
def test_rebuild_after_new_data_does_not_freeze_the_server(
    scratch_world: World, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    monkeypatch.setattr(OnlineScorer, "load", _slowed(OnlineScorer.load))
    monkeypatch.setattr(ScreeningIndex, "load", _slowed(ScreeningIndex.load))
    world = scratch_world
    sid = lake_rows(
        world.settings,
        "shipments",
        "SELECT id FROM shipments WHERE organisation = 'swiftpost' ORDER BY id LIMIT 1",
    )[0]["id"]
    headers = world.headers("customs-nl", "officer")
    app = create_app(world.settings)
    with TestClient(app, raise_server_exceptions=False) as client:

        def request() -> Any:
            if route == "score":
                return client.post(f"{API}/score", json={"shipment_ids": [sid]}, headers=headers)
            return client.post(f"{API}/screen", json={"name": "Lumina Trading"}, headers=headers)

        assert request().status_code == 200  # indexes built once
        app.state.services.forget_derived()  # what every ingest does when its data lands
        took, answer = _answers_meanwhile(client, request)
        assert answer.status_code == 200
        assert took < BUILD_SECONDS / 2, f"healthz waited {took:.1f} s for the rebuild"
    app.state.services.jobs.shutdown()
    app.state.services.store.close()
