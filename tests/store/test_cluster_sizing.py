"""Executors on a standalone master take the memory its workers offer, unless told otherwise.

The master's status page is served here by a small HTTP server shaped like Spark's ``/json/``
(the real master's page: tests/cluster/test_cluster_sizing.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ringfence.errors import SettingsError
from ringfence.settings import Settings
from ringfence.store.engine.cluster_sizing import (
    cluster_executor_memory,
    executor_share_mb,
    master_ui,
)
from ringfence.store.engine.spark_config import spark_conf


def worker(free: int, cores: int = 4, state: str = "ALIVE") -> dict[str, Any]:
    """A worker as the master's status page lists it (memory in MB)."""
    return {"state": state, "cores": cores, "memory": free + 512, "memoryfree": free}


@dataclass
class Page:
    """What the fake master's ``/json/`` answers, and the paths it was asked for."""

    body: bytes = b"{}"
    status: int = 200
    paths: list[str] = field(default_factory=list)


@pytest.fixture()
def master_page() -> Iterator[tuple[str, Page]]:
    """A status page on loopback; yields its URL and the page it serves."""
    page = Page()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page.paths.append(self.path)
            self.send_response(page.status)
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", page
    finally:
        server.shutdown()
        server.server_close()


def on(tmp_path: Path, ui: str, **more: Any) -> Settings:
    return Settings(data_dir=tmp_path, spark_master="spark://127.0.0.1:7077",
                    spark_master_ui=ui, **more)  # fmt: skip


def test_the_page_is_port_8080_on_the_masters_host_unless_set(tmp_path: Path) -> None:
    def ui(master: str, **more: Any) -> str | None:
        return master_ui(Settings(data_dir=tmp_path, spark_master=master, **more))

    assert ui("spark://spark-1.example:7077") == "http://spark-1.example:8080"
    assert ui("spark://a.example:7077,b.example:7077") == "http://a.example:8080"
    assert ui("spark://[::1]:7077") == "http://[::1]:8080"
    assert ui("local[2]") is None
    assert ui("yarn") is None
    assert ui("spark://h:7077", spark_master_ui="https://ui.example/spark/") == (
        "https://ui.example/spark"
    )
    for bad in ("file:///etc/passwd", "ftp://h/x", "http://h/ x"):
        with pytest.raises(SettingsError, match="RINGFENCE_SPARK_MASTER_UI"):
            Settings(data_dir=tmp_path, spark_master_ui=bad)


def test_each_executor_gets_its_share_of_the_smallest_alive_worker() -> None:
    status = {"workers": [worker(6144), worker(8192), worker(512, state="DEAD")]}
    assert executor_share_mb(status, None) == 6144
    assert executor_share_mb(status, 2) == 3072  # 4 cores: two executors a worker
    assert executor_share_mb(status, 8) == 6144  # more cores than a worker has: one
    assert executor_share_mb({"workers": [worker(1, state="DEAD")]}, None) is None
    assert executor_share_mb({"workers": "junk"}, None) is None
    odd = {"state": "ALIVE", "memoryfree": "lots", "cores": None}
    assert executor_share_mb({"workers": [odd, worker(2048)]}, None) == 2048
    assert executor_share_mb({"workers": [odd]}, None) is None


def test_a_session_on_a_standalone_master_takes_the_workers_memory(
    tmp_path: Path, master_page: tuple[str, Page]
) -> None:
    url, page = master_page
    page.body = json.dumps({"aliveworkers": 2, "workers": [worker(6144), worker(7000)]}).encode()
    settings = on(tmp_path, url)
    conf = spark_conf(settings)
    assert "spark.executor.memory" not in conf  # what the settings say: nothing chosen
    assert cluster_executor_memory(settings, conf) == "6144m"
    assert page.paths == ["/json/"]
    shared = on(tmp_path, url, spark_executor_cores=2)
    assert cluster_executor_memory(shared, spark_conf(shared)) == "3072m"


def test_the_users_choice_wins_and_the_page_is_not_read(
    tmp_path: Path, master_page: tuple[str, Page]
) -> None:
    url, page = master_page
    page.body = json.dumps({"workers": [worker(6144)]}).encode()
    for chosen in (
        on(tmp_path, url, spark_executor_memory="2g"),
        on(tmp_path, url, spark_conf="spark.executor.memory=3g"),
    ):
        assert cluster_executor_memory(chosen, spark_conf(chosen)) is None
    assert page.paths == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"not json"),
        (200, b"[1, 2]"),
        (500, b"{}"),
        (200, json.dumps({"workers": [worker(900)]}).encode()),  # less than Spark's 1g
        (200, json.dumps({"workers": []}).encode()),
    ],
)
def test_an_unhelpful_page_leaves_sparks_default(
    tmp_path: Path, master_page: tuple[str, Page], status: int, body: bytes
) -> None:
    url, page = master_page
    page.status, page.body = status, body
    settings = on(tmp_path, url)
    assert cluster_executor_memory(settings, spark_conf(settings)) is None


def test_a_master_page_that_does_not_answer_is_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        port = closed.server_address[1]  # bound, then closed: nothing listens there
    settings = on(tmp_path, f"http://127.0.0.1:{port}")
    with caplog.at_level(logging.WARNING):
        assert cluster_executor_memory(settings, spark_conf(settings)) is None
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "RINGFENCE_SPARK_EXECUTOR_MEMORY" in caplog.text
    assert "RINGFENCE_SPARK_MASTER_UI" in caplog.text
