"""``ringfence serve --workers N`` is safe: concurrent uploads of one file through several server
processes on one data directory write each key once (issue 15, finding 7)."""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from ringfence.settings import Settings
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from tests.service.test_recovery import _env

PORT = 8107
ROWS = 20_000
UPLOADS = 4


def _serve(settings: Settings, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "ringfence", "serve", "--port", str(PORT), "--workers",
         str(workers)],
        env=_env(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: _stop ends every worker
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.3)
    _stop(server)
    pytest.fail("the server did not start")


def _stop(server: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)


def test_concurrent_uploads_through_two_workers_write_each_key_once(
    settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "parties.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows([f"p-{i}", f"Party {i}"] for i in range(ROWS))
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("acme")
        key = store.create_api_key("acme")
    headers = {"X-API-Key": key}
    base = f"http://127.0.0.1:{PORT}/api/v1"

    def upload(_: int) -> int:
        with source.open("rb") as handle:
            response = httpx.post(
                f"{base}/uploads", headers=headers, data={"feed": "parties"},
                files={"file": ("parties.csv", handle, "text/csv")}, timeout=60,
            )  # fmt: skip
        assert response.status_code == 202, response.text
        return int(response.json()["id"])

    server = _serve(settings, workers=2)
    try:
        with ThreadPoolExecutor(UPLOADS) as pool:
            job_ids = list(pool.map(upload, range(UPLOADS)))
        deadline = time.monotonic() + 240
        jobs: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            jobs = [httpx.get(f"{base}/jobs/{j}", headers=headers, timeout=10).json()
                    for j in job_ids]  # fmt: skip
            if all(job["status"] in ("done", "failed") for job in jobs):
                break
            time.sleep(0.3)
    finally:
        _stop(server)
    assert [job["status"] for job in jobs] == ["done"] * UPLOADS, jobs
    summaries = [job["result"]["summary"] for job in jobs]  # type: ignore[index]
    assert sum(s["accepted"] for s in summaries) == ROWS
    assert sum(s["duplicates"] for s in summaries) == ROWS * (UPLOADS - 1)
    keys: list[str] = []
    for part in Lake(settings).parts("parties"):
        keys += pq.read_table(part, columns=["source_key"]).column("source_key").to_pylist()
    assert len(keys) == len(set(keys)) == ROWS
