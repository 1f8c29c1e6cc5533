"""Red team F9, as the attacker ran it: the server was killed with SIGKILL mid-upload and
restarted at once; its dead process (not yet reaped) and fresh heartbeat looked alive to the
start-up recovery, nothing looked again, and the job stayed ``running`` until a second restart."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from ringfence.service import recovery
from ringfence.service.app import create_app
from ringfence.settings import Settings
from ringfence.store.leftovers import pid_alive
from ringfence.store.operational import OperationalStore
from tests.service.test_recovery import _job, _set_heartbeat, store  # noqa: F401 (fixture)


def test_a_killed_server_not_yet_reaped_is_dead() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while pid_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # it exits; nobody reaps it yet: a zombie
    try:
        assert not pid_alive(process.pid)
    finally:
        process.wait()


def test_an_owner_that_goes_silent_after_start_up_is_swept(
    settings: Settings,
    store: OperationalStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Fresh at start-up whatever the machine's load (a start-up slower than a 1 s staleness
    # swept the job at once on a loaded machine); stale from then on.
    monkeypatch.setattr(recovery, "STALE_SECONDS", 3600.0)
    monkeypatch.setattr(recovery, "SWEEP_SECONDS", 0.2)
    job_id = _job(store, "another-host:4242")  # beating just now: alive at start-up
    _set_heartbeat(store, job_id, 0)
    app = create_app(settings)
    with TestClient(app):
        assert store.job(job_id).status == "running"
        monkeypatch.setattr(recovery, "STALE_SECONDS", 1.0)
        deadline = time.monotonic() + 10
        while store.job(job_id).status == "running" and time.monotonic() < deadline:
            time.sleep(0.1)  # its owner never beats again
        assert store.job(job_id).status == "failed"
        assert store.job(job_id).message == recovery.STOPPED_RUNNING
    app.state.services.jobs.shutdown()
    app.state.services.store.close()
