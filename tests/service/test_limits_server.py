"""Oversize bodies against a real server (uvicorn on loopback, raw sockets): refused from the
headers, before the body is sent, while the server keeps answering others (finding 6)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from ringfence.service.app import create_app
from tests.service.world import OUTSIDER, World

HUGE = 600 * 1024 * 1024  # over the default upload limit (512 MiB) too


@pytest.fixture(scope="module")
def server(scratch_world: World) -> Iterator[str]:
    import uvicorn

    app = create_app(scratch_world.settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    uvicorn_server.should_exit = True
    thread.join(timeout=15)
    sock.close()
    app.state.services.jobs.shutdown()
    app.state.services.store.close()


def _post_headers_only(
    address: str, path: str, extra: str = "", length: int = HUGE
) -> tuple[str, int]:
    """Send a request declaring a 600 MB body, then 64 KB of it; the answer's status line and
    how many body bytes the server had been sent when it answered."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/csv\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n".encode()
        )
        sent = 0
        conn.settimeout(0.2)
        answer = b""
        while not answer and sent < 64 * 1024:
            try:
                answer = conn.recv(4096)
            except TimeoutError:
                conn.sendall(b"x" * 8192)
                sent += 8192
        conn.settimeout(10)
        answer += conn.recv(4096) if b"\r\n\r\n" not in answer else b""
    return answer.split(b"\r\n", 1)[0].decode(), sent


def test_oversize_posts_are_refused_from_their_headers(server: str, scratch_world: World) -> None:
    key = scratch_world.key(OUTSIDER)
    status, sent = _post_headers_only(server, "/api/v1/screen")
    assert status.endswith("413 Request Entity Too Large") or " 413 " in status, status
    assert sent <= 8192  # answered before (almost) any of the body was sent
    status, _ = _post_headers_only(server, "/api/v1/uploads", f"Authorization: Bearer {key}\r\n")
    assert " 413 " in status, status
    status, _ = _post_headers_only(server, "/ingest")
    assert " 413 " in status, status
    # The probe: an anonymous 500 MB upload, under the size limit, is not read at all.
    status, sent = _post_headers_only(server, "/api/v1/uploads", length=500 * 1024 * 1024)
    assert " 401 " in status and sent <= 8192, status
    assert httpx.get(f"http://{server}/healthz", timeout=5).status_code == 200


def test_server_answers_while_a_slow_oversize_upload_streams(
    server: str, scratch_world: World
) -> None:
    """A client trickling an anonymous upload with no length is cut off; others are served."""
    host, port = server.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            f"POST /api/v1/uploads HTTP/1.1\r\nHost: {server}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        started = time.monotonic()
        health = httpx.get(f"http://{server}/healthz", timeout=5)
        assert health.status_code == 200 and time.monotonic() - started < 5
        answer = conn.recv(4096)
    assert b" 401 " in answer.split(b"\r\n", 1)[0]  # anonymous: refused without reading
