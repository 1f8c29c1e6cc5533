"""Crash recovery (issue 15, finding 8): jobs a dead server left behind are closed at start-up.

Unit tests build the leftovers directly (a job owned by a dead process, one whose rows were
written, one a live process still runs); the fault test kills a real server with SIGKILL in the
middle of an upload, restarts it and checks nothing is lost or doubled.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from ringfence.service.app import create_app
from ringfence.service.recovery import STALE_SECONDS, STOPPED_QUEUED, STOPPED_RUNNING
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import Job, utcnow

PORT = 8106
HOST = socket.gethostname()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _set_heartbeat(store: OperationalStore, job_id: int, seconds_ago: float) -> None:
    with store._transaction("test: ageing a heartbeat") as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.heartbeat_at = utcnow() - timedelta(seconds=seconds_ago)


@pytest.fixture
def store(settings: Settings) -> Iterator[OperationalStore]:
    with OperationalStore.open(settings) as opened:
        opened.ensure_organisation("acme")
        yield opened


def _job(store: OperationalStore, owner: str, status: str = "running") -> int:
    job_id = store.create_job("acme", "ingest", actor="a@acme.test", detail={"file": "f.csv"},
                              owner=owner)  # fmt: skip
    store.update_job(job_id, status=status)
    return job_id


def test_jobs_of_dead_processes_are_closed_and_live_ones_kept(
    settings: Settings, store: OperationalStore
) -> None:
    dead = _job(store, f"{HOST}:{_dead_pid()}")
    queued = _job(store, f"{HOST}:{_dead_pid()}", status="queued")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = _job(store, f"{HOST}:{sleeper.pid}")  # e.g. another --workers process
        elsewhere_live = _job(store, "other-host:42")
        elsewhere_dead = _job(store, "other-host:43")
        _set_heartbeat(store, elsewhere_dead, STALE_SECONDS + 5)
        folder = settings.data_dir / "uploads" / f"job-{dead}"
        folder.mkdir(parents=True)
        (folder / "f.csv").write_text("id,name\n1,x\n")
        partial = settings.data_dir / "uploads" / f"upload-{_dead_pid()}-abc"
        partial.write_bytes(b"half an upload")
        create_app(settings)  # start-up recovery
        jobs = {job_id: store.job(job_id) for job_id in (dead, queued, live, elsewhere_live)}
        jobs[elsewhere_dead] = store.job(elsewhere_dead)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert (jobs[dead].status, jobs[dead].message) == ("failed", STOPPED_RUNNING)
    assert (jobs[queued].status, jobs[queued].message) == ("failed", STOPPED_QUEUED)
    assert jobs[elsewhere_dead].status == "failed"
    assert jobs[live].status == "running" and jobs[elsewhere_live].status == "running"
    assert not folder.exists() and not partial.exists()
    recovered = [e for e in store.audit_entries() if e.action == "job.recovered"]
    assert sorted(e.detail["job"] for e in recovered) == sorted([dead, queued, elsewhere_dead])


def test_a_job_whose_rows_were_written_keeps_its_counts(
    settings: Settings, store: OperationalStore
) -> None:
    job_id = _job(store, f"{HOST}:{_dead_pid()}")
    path = settings.data_dir / "uploads" / f"job-{job_id}" / "f.csv"
    now = utcnow()
    store.record_ingest_run(
        organisation="acme", feed="parties", file_name=str(path), file_sha256="ab" * 32,
        mapping=None, rows_read=1000, accepted=400, quarantined=600, duplicates=0,
        started_at=now, finished_at=now,
    )  # fmt: skip
    create_app(settings)
    job = store.job(job_id)
    assert job.status == "done" and "recovered" in job.message
    summary = job.result["summary"]
    assert (summary["accepted"], summary["quarantined"]) == (400, 600)
    assert summary["files"][0]["file_sha256"] == "ab" * 32  # what the quarantine page looks up
    assert summary["files"][0]["file"] == "f.csv"


# -- the fault test: kill -9 during an upload ---------------------------------------------------

ROWS = 400_000


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGFENCE_")}
    env["RINGFENCE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["RINGFENCE_DATABASE_URL"] = settings.database_url
    return env


def _start_server(settings: Settings) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "ringfence", "serve", "--port", str(PORT)],
        env=_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.kill()
    pytest.fail("the server did not start")


def _upload(key: str, source: Path) -> int:
    with source.open("rb") as handle:
        response = httpx.post(
            f"http://127.0.0.1:{PORT}/api/v1/uploads",
            headers={"X-API-Key": key},
            data={"feed": "parties"},
            files={"file": (source.name, handle, "text/csv")},
            timeout=120,
        )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def _job_status(key: str, job_id: int) -> dict[str, object]:
    response = httpx.get(
        f"http://127.0.0.1:{PORT}/api/v1/jobs/{job_id}", headers={"X-API-Key": key}, timeout=10
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_kill_9_during_an_upload_then_restart(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "parties.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows([f"p-{i}", f"Party {i}"] for i in range(ROWS))
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("acme")
        key = store.create_api_key("acme")
    server = _start_server(settings)
    try:
        job_id = _upload(key, source)
        deadline = time.monotonic() + 60
        while _job_status(key, job_id)["status"] == "queued" and time.monotonic() < deadline:
            time.sleep(0.02)
        server.send_signal(signal.SIGKILL)
        server.wait()
        with OperationalStore.open(settings) as store:
            left = store.job(job_id)
        if left.status != "running":
            pytest.fail(f"the job was {left.status} when killed; the file is too small to catch")
        assert (settings.data_dir / "uploads" / f"job-{job_id}").exists()

        server = _start_server(settings)
        after = _job_status(key, job_id)
        assert after["status"] in ("failed", "done")  # done only if its rows were all written
        if after["status"] == "failed":
            assert after["message"] == STOPPED_RUNNING
        assert not (settings.data_dir / "uploads" / f"job-{job_id}").exists()

        again = _upload(key, source)
        deadline = time.monotonic() + 180
        while _job_status(key, again)["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, "the re-upload did not finish"
            time.sleep(0.2)
        summary = _job_status(key, again)["result"]["summary"]  # type: ignore[index]
        assert summary["accepted"] + summary["duplicates"] == ROWS
    finally:
        server.terminate()
        server.wait(timeout=30)
    keys: list[str] = []
    for part in Lake(settings).parts("parties"):
        keys += pq.read_table(part, columns=["source_key"]).column("source_key").to_pylist()
    assert len(keys) == len(set(keys)) == ROWS  # nothing lost, nothing doubled
