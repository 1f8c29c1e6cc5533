"""A real Spark standalone cluster (a master and a worker, separate JVMs) for the session.

CI requires it (``RINGFENCE_REQUIRE_SERVICES``); elsewhere, without Java or pyspark, the
tests skip with the reason. Tests talk to it the way a user does: through the ``ringfence``
command with ``RINGFENCE_SPARK_MASTER`` pointing at it, each in a process of its own (one
Python process can hold one SparkContext, and the rest of the suite's is a local one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import missing_service

if TYPE_CHECKING:
    from ringfence.store.engine.standalone import StandaloneCluster

RINGFENCE = Path(sys.executable).with_name("ringfence")


@pytest.fixture(scope="session")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    """A standalone cluster with one worker (2 cores, 3 GB): its master, status page, logs."""
    try:
        import pyspark  # noqa: F401 - only probing that it is installed
    except ImportError:
        missing_service("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing_service("Java is not installed (Spark needs a JVM; set JAVA_HOME)")
    from ringfence.store.engine.standalone import standalone_cluster

    with standalone_cluster(tmp_path_factory.mktemp("cluster"), cores=2, memory="3g") as cluster:
        yield cluster


@pytest.fixture(scope="session")
def spark_cluster(standalone: StandaloneCluster) -> str:
    """The master URL of the session's standalone cluster."""
    return standalone.master_url


def cluster_env(master: str, data_dir: Path, **env: str) -> dict[str, str]:
    """The environment of a process using the Spark engine on the cluster, small JVMs."""
    return {
        **os.environ,
        "RINGFENCE_DATA_DIR": str(data_dir),
        "RINGFENCE_ENGINE": "spark",
        "RINGFENCE_SPARK_MASTER": master,
        "RINGFENCE_SPARK_DRIVER_MEMORY": "1g",
        "RINGFENCE_SPARK_EXECUTOR_MEMORY": "1g",
        "RINGFENCE_SPARK_CORES_MAX": "2",
        **env,
    }


def run_on_cluster(
    master: str, data_dir: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``ringfence ARGS`` with the Spark engine on the cluster, output captured."""
    return subprocess.run(
        [str(RINGFENCE), *args], env=cluster_env(master, data_dir, **env),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def python_on_cluster(
    master: str, data_dir: Path, code: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Python ``code`` in a process of its own with the same settings, output captured."""
    return subprocess.run(
        [sys.executable, "-c", code], env=cluster_env(master, data_dir, **env),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
