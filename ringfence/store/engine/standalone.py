"""A Spark standalone cluster on this machine: a master and a worker, each its own JVM.

Started from the Spark distribution that ships inside the locked ``pyspark`` package
(``bin/spark-class org.apache.spark.deploy.master.Master`` / ``...worker.Worker``), so the
tests and ``bench/scale.py`` run the pipelines against a real cluster — separate executor JVMs,
tasks shipped over the network, Python workers started by the executors — and not only in
``local[*]``, where everything shares the driver's JVM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from ringfence.errors import EngineError
from ringfence.store.engine.cluster_sizing import fetch_status

_HOST = "127.0.0.1"


@dataclass(frozen=True)
class StandaloneCluster:
    """A running cluster: where to connect, where its web status and logs are."""

    master_url: str
    status_url: str
    log_dir: Path


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark package."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((_HOST, 0))
        return int(probe.getsockname()[1])


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [str(spark_home() / "bin" / "spark-class"), *args]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def alive_workers(status_url: str) -> int:
    """How many workers the master counts alive (0 while it does not answer)."""
    try:
        status = fetch_status(status_url, timeout=2)
        return int(status.get("aliveworkers", 0)) if status else 0
    except (OSError, ValueError):
        return 0


def _wait_for_worker(
    status_url: str, processes: list[subprocess.Popen[bytes]], log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive_workers(status_url) >= 1:
            return
        if any(process.poll() is not None for process in processes):
            break
        time.sleep(0.5)
    raise EngineError(f"the standalone Spark cluster did not come up in {timeout:.0f} s; see {log}")


@contextmanager
def standalone_cluster(
    work_dir: Path, *, cores: int = 2, memory: str = "2g", timeout: float = 120.0
) -> Iterator[StandaloneCluster]:
    """Start a master and one worker (``cores``, ``memory``) on loopback; stop both after."""
    work_dir.mkdir(parents=True, exist_ok=True)
    logs = work_dir / "logs"
    logs.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": _HOST,
        "SPARK_LOG_DIR": str(logs),
        "PYSPARK_PYTHON": sys.executable,
    }
    port, ui = _free_port(), _free_port()
    master_url, status_url = f"spark://{_HOST}:{port}", f"http://{_HOST}:{ui}"
    with ExitStack() as stack:
        master = _start(
            ["org.apache.spark.deploy.master.Master", "--host", _HOST, "--port", str(port),
             "--webui-port", str(ui)],
            logs / "master.log", env,
        )  # fmt: skip
        stack.callback(_stop, master)
        worker = _start(
            ["org.apache.spark.deploy.worker.Worker", master_url, "--host", _HOST,
             "--cores", str(cores), "--memory", memory, "--webui-port", str(_free_port()),
             "--work-dir", str(work_dir / "work")],
            logs / "worker.log", env,
        )  # fmt: skip
        stack.callback(_stop, worker)
        _wait_for_worker(status_url, [master, worker], logs, timeout)
        yield StandaloneCluster(master_url=master_url, status_url=status_url, log_dir=logs)
