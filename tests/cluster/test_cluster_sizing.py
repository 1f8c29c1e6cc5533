"""On a real standalone master, a session with no executor memory chosen takes what the worker
offers (``cluster_sizing``), and the master itself runs the executors with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringfence.store.engine.standalone import StandaloneCluster

# Starts a session as every command does, runs a job, and reports what the driver was given
# and what the master says the application's executors hold, while it still runs.
PROBE = """
import json, sys, urllib.request
from ringfence.settings import Settings
from ringfence.store.engine.spark_engine import build_session
spark = build_session(Settings())
assert spark.range(1000).selectExpr("sum(id)").collect()[0][0] == 499500
with urllib.request.urlopen(sys.argv[1] + "/json/", timeout=10) as reply:
    apps = json.load(reply)["activeapps"]
print(json.dumps({"conf": spark.sparkContext.getConf().get("spark.executor.memory", None),
                  "apps": apps}))
spark.stop()
"""


def probe(cluster: StandaloneCluster, tmp_path: Path, **env: str) -> dict:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("RINGFENCE_SPARK")
    }
    environment |= {
        "RINGFENCE_DATA_DIR": str(tmp_path),
        "RINGFENCE_SPARK_MASTER": cluster.master_url,
        "RINGFENCE_SPARK_DRIVER_MEMORY": "1g",
        "RINGFENCE_SPARK_CORES_MAX": "2",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, cluster.status_url],
        env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def executor_memory_mb(app: dict) -> int:
    """The master's figure for an application's executors (its key differs across versions)."""
    return int(app.get("memoryperexecutor", app.get("memoryperslave", 0)))


def test_executors_take_the_workers_memory_unless_told(
    tmp_path: Path, standalone: StandaloneCluster
) -> None:
    with urllib.request.urlopen(f"{standalone.status_url}/json/", timeout=10) as reply:
        offered = json.load(reply)["workers"][0]["memory"]
    assert offered == 3072  # the fixture's worker: 3 GB
    found = probe(standalone, tmp_path, RINGFENCE_SPARK_MASTER_UI=standalone.status_url)
    assert found["conf"] == "3072m"
    assert [executor_memory_mb(app) for app in found["apps"]] == [3072]
    chosen = probe(standalone, tmp_path / "chosen", RINGFENCE_SPARK_EXECUTOR_MEMORY="1g")
    assert chosen["conf"] == "1g"
    assert [executor_memory_mb(app) for app in chosen["apps"]] == [1024]
