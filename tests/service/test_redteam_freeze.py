"""Red team F4, as the attacker ran it: after new data lands, the next /score or /screen rebuilt
the indexes on the event loop and no other request was answered meanwhile (healthz 79 s).

The rebuild is held here until the test lets it go (the red team's was slow because of a big
lake): while one request waits for it, the server must answer /healthz, and the waiting request
still gets its answer once the rebuild ends. The test asserts the order of events (healthz
answered while the rebuild was still held), not how fast: a server that rebuilds on the event
loop cannot answer at all until the rebuild is let go, whatever the machine's load, while a
loaded machine only delays the answer (the wall-time bound it had, healthz < 1.5 s, failed at
load 20 with 3.1 s)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringfence.resolve.screen import ScreeningIndex
from ringfence.score.online import OnlineScorer
from ringfence.service.app import create_app
from tests.service.world import World, lake_rows

API = "/api/v1"
# How long the test waits for an event before calling it missing: a frozen server never
# answers, so this only bounds how long a failing run takes (not a speed requirement).
PATIENCE_SECONDS = 60.0


class Held:
    """Index loads that wait, while ``release`` is clear, until it is set (``entered`` tells
    that one started)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def wrap(self, original: Any) -> Any:
        def load(cls: type, *args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            # Longer than the test waits for healthz: a frozen server stays frozen meanwhile.
            if not self.release.wait(4 * PATIENCE_SECONDS):
                raise RuntimeError("the held rebuild was never let go")
            return original.__func__(cls, *args, **kwargs)

        return classmethod(load)


def _answered_while_held(
    client: TestClient, held: Held, forget: Callable[[], None], slow_request: Callable[[], Any]
) -> tuple[bool, Any, Any]:
    """Whether /healthz answered while ``slow_request`` waited on the rebuild (held from before
    ``forget`` drops the indexes, so a rebuild in the background is held too), healthz's
    response and ``slow_request``'s."""
    held.entered.clear()
    held.release.clear()
    answer: list[Any] = []
    health: list[Any] = []
    worker = threading.Thread(target=lambda: answer.append(slow_request()))
    checker = threading.Thread(target=lambda: health.append(client.get("/healthz")))
    try:
        forget()
        worker.start()
        assert held.entered.wait(PATIENCE_SECONDS), "the request never started the rebuild"
        checker.start()
        checker.join(PATIENCE_SECONDS)
        meanwhile = bool(health) and not held.release.is_set()
    finally:
        held.release.set()
        if worker.ident is not None:
            worker.join(PATIENCE_SECONDS)
        if checker.ident is not None:  # started
            checker.join(PATIENCE_SECONDS)
    return meanwhile, (health or [None])[0], (answer or [None])[0]


@pytest.mark.parametrize("route", ["score", "screen"])
def test_rebuild_after_new_data_does_not_freeze_the_server(
    scratch_world: World, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    held = Held()
    monkeypatch.setattr(OnlineScorer, "load", held.wrap(OnlineScorer.load))
    monkeypatch.setattr(ScreeningIndex, "load", held.wrap(ScreeningIndex.load))
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
        forget = app.state.services.forget_derived  # what every ingest does when data lands
        meanwhile, health, answer = _answered_while_held(client, held, forget, request)
        assert meanwhile, "healthz got no answer while the rebuild was held: the server froze"
        assert health is not None and health.status_code == 200
        assert answer is not None and answer.status_code == 200
    app.state.services.jobs.shutdown()
    app.state.services.store.close()
