"""Resource limits, probed as an attacker would (issue 15, findings 5 and 6).

A gzip bomb upload, an oversize body (declared and chunked), an anonymous large POST, a file with
one endless line, a job over its time: each is refused with 413 or ends its job ``failed`` with
the reason, the server keeps answering, and no file stays behind.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ringfence.ingest import limits as ingest_limits
from ringfence.service.app import create_app
from tests.ingest.test_limits import gzip_bomb
from tests.service.world import OUTSIDER, World

API = "/api/v1"
SMALL = 64 * 1024  # RINGFENCE_MAX_REQUEST_BYTES of these tests
UPLOAD = 2 * 1024 * 1024  # RINGFENCE_MAX_UPLOAD_BYTES of these tests


@pytest.fixture(scope="module")
def limited_app(scratch_world: World) -> Iterator[FastAPI]:
    """The service over a private world copy, with small request and upload limits."""
    settings = scratch_world.settings.model_copy(
        update={"max_request_bytes": SMALL, "max_upload_bytes": UPLOAD}
    )
    application = create_app(settings)
    yield application
    application.state.services.jobs.shutdown()
    application.state.services.store.close()


@pytest.fixture
def limited(limited_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(limited_app, raise_server_exceptions=False) as test_client:
        yield test_client


def _leftovers(app: FastAPI) -> list[Path]:
    """Upload and staging files under the data directory (none may stay after a refusal)."""
    data_dir = app.state.services.settings.data_dir
    found = [p for p in (data_dir / "uploads").glob("**/*") if p.is_file()]
    return found + list((data_dir / "tmp").glob("ingest-*"))


def _refusals(app: FastAPI) -> int:
    entries = app.state.services.store.audit_entries()
    return sum(1 for e in entries if e.action == "upload.refused" and e.organisation == OUTSIDER)


def _upload(client: TestClient, world: World, name: str, body: bytes, **data: str) -> Any:
    return client.post(
        f"{API}/uploads",
        data={"feed": "parties", **data},
        files={"file": (name, io.BytesIO(body), "application/octet-stream")},
        headers=world.headers(OUTSIDER),
    )


def _finished(app: FastAPI, client: TestClient, world: World, job_id: int) -> dict[str, Any]:
    app.state.services.jobs.wait(job_id, timeout=120)
    job = client.get(f"{API}/jobs/{job_id}", headers=world.headers(OUTSIDER)).json()
    assert isinstance(job, dict)
    return job


def test_gzip_bomb_upload_fails_its_job_reads_little_and_leaves_nothing(
    limited_app: FastAPI,
    limited: TestClient,
    scratch_world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = tmp_path / "zeros.csv.gz"
    gzip_bomb(bomb, b"party_id,name\np1,Acme\n", chunks=64)  # 1 MB → 1 GiB of zeros
    streams: list[ingest_limits.LimitedStream] = []
    original = ingest_limits.LimitedStream.__init__

    def remember(self: ingest_limits.LimitedStream, *args: Any) -> None:
        original(self, *args)
        streams.append(self)

    monkeypatch.setattr(ingest_limits.LimitedStream, "__init__", remember)
    before = set(_leftovers(limited_app))
    response = _upload(limited, scratch_world, bomb.name, bomb.read_bytes())
    assert response.status_code == 202, response.text
    assert limited.get("/healthz").status_code == 200  # the server answers meanwhile
    job = _finished(limited_app, limited, scratch_world, response.json()["id"])
    assert job["status"] == "failed", job
    assert "zeros.csv.gz" in job["message"] and "RINGFENCE_MAX_LINE_BYTES" in job["message"]
    data_dir = str(limited_app.state.services.settings.data_dir)
    assert data_dir not in job["message"] and "/" not in job["message"]
    assert streams and max(s.bytes_read for s in streams) < 16 << 20  # of 1 GiB in the file
    assert set(_leftovers(limited_app)) <= before


def test_declared_oversize_body_is_refused_before_it_is_read(limited_app: FastAPI) -> None:
    """Straight at the ASGI app: the body's ``receive`` must never be called."""
    import anyio

    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    def scope(path: str, length: int, auth: bool) -> dict[str, Any]:
        headers = [(b"content-length", str(length).encode()), (b"content-type", b"text/csv")]
        if auth:
            headers.append((b"authorization", b"Bearer rf_not-a-real-key"))
        return {
            "type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
            "query_string": b"", "headers": headers, "scheme": "http", "http_version": "1.1",
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "root_path": "",
            "app": limited_app,
        }  # fmt: skip

    async def probe_async(path: str, length: int, auth: bool = False) -> int:
        sent.clear()
        await limited_app(scope(path, length, auth), receive, send)
        return int(sent[0]["status"])

    def probe(path: str, length: int, auth: bool = False) -> int:
        # In a thread of its own: a browser test earlier in the session (Playwright's sync
        # API) leaves an event loop running in this one, and anyio refuses to start another.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(anyio.run, probe_async, path, length, auth).result()

    assert probe(f"{API}/screen", 500 * 1024 * 1024) == 413
    assert probe(f"{API}/uploads", 500 * 1024 * 1024) == 413
    assert probe(f"{API}/uploads", UPLOAD - 1) == 401  # anonymous: not read
    assert probe(f"{API}/uploads", UPLOAD - 1, True) == 401  # a wrong key neither
    assert probe("/ingest", UPLOAD - 1) == 401


def test_chunked_oversize_body_is_cut_off(limited: TestClient, scratch_world: World) -> None:
    sent = [0]

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            sent[0] += 16 * 1024
            yield b"x" * (16 * 1024)

    headers = {**scratch_world.headers(OUTSIDER), "content-type": "application/json"}
    response = limited.post(f"{API}/screen", content=chunks(), headers=headers)
    assert response.status_code == 413 and "RINGFENCE_MAX_REQUEST_BYTES" in response.text
    anonymous = limited.post(
        f"{API}/uploads",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert anonymous.status_code == 401
    assert limited.get("/healthz").status_code == 200


def test_upload_over_the_upload_limit_is_413_and_leaves_nothing(
    limited_app: FastAPI, limited: TestClient, scratch_world: World
) -> None:
    before = set(_leftovers(limited_app))
    refusals = _refusals(limited_app)
    body = b"party_id,name\n" + b"p,x\n" * (UPLOAD // 4)
    response = _upload(limited, scratch_world, "big.csv", body)
    assert response.status_code == 413, response.text
    assert _refusals(limited_app) == refusals + 1  # the refused write is audited
    assert "RINGFENCE_MAX_UPLOAD_BYTES" in response.json()["error"]["message"]
    assert set(_leftovers(limited_app)) <= before
    ok = _upload(limited, scratch_world, "fine.csv", b"party_id,name\np-limits-1,Fine Ltd\n")
    assert ok.status_code == 202  # under the limit, the same caller still uploads


def test_a_very_long_line_fails_the_job_with_a_clear_reason(
    limited_app: FastAPI, limited: TestClient, scratch_world: World
) -> None:
    services = limited_app.state.services
    services.settings = services.settings.model_copy(update={"max_line_bytes": 10_000})
    try:
        body = b"party_id,name\np-long-1,ok\np-long-2," + b"A" * 50_000 + b"\n"
        response = _upload(limited, scratch_world, "long.csv", body)
        assert response.status_code == 202
        job = _finished(limited_app, limited, scratch_world, response.json()["id"])
    finally:
        services.settings = services.settings.model_copy(update={"max_line_bytes": 1 << 20})
    assert job["status"] == "failed"
    assert job["message"].startswith("long.csv: a line is longer than 10000 bytes")


def test_job_time_limit(limited_app: FastAPI, limited: TestClient, scratch_world: World) -> None:
    services = limited_app.state.services
    services.settings = services.settings.model_copy(update={"max_job_seconds": 1e-9})
    try:
        response = _upload(limited, scratch_world, "slow.csv", b"party_id,name\np-t,T\n")
        job = _finished(limited_app, limited, scratch_world, response.json()["id"])
    finally:
        services.settings = services.settings.model_copy(update={"max_job_seconds": 3600.0})
    assert job["status"] == "failed" and "RINGFENCE_MAX_JOB_SECONDS" in job["message"]
    assert not (services.settings.data_dir / "uploads" / f"job-{job['id']}").exists()
