"""Executor memory on a standalone cluster, from what its workers offer.

Spark's own default heap for an executor is 1 GB whatever the workers have, and at 10M
shipments network risk's executors died of it on a worker offering 6 GB (docs/scale.md). A
standalone application already takes every free core of every worker by default; with no
``RINGFENCE_SPARK_EXECUTOR_MEMORY`` (nor ``spark.executor.memory`` in ``RINGFENCE_SPARK_CONF``)
it now also takes the memory that goes with them: the master's status page
(``RINGFENCE_SPARK_MASTER_UI``, default port 8080 on the master's host) says each alive
worker's free memory and cores, and each executor gets its share of the smallest worker, so
that every worker can start one. When the page does not answer, Spark's default stays.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from ringfence.settings import Settings

log = logging.getLogger(__name__)

# Below this an executor would get less than Spark's own default: keep that instead.
_MIN_MB = 1024
_MAX_REPLY_BYTES = 1 << 20
_TIMEOUT_SECONDS = 3.0
DEFAULT_UI_PORT = 8080


def master_ui(settings: Settings) -> str | None:
    """The standalone master's status page: the setting, else port 8080 on the master's host
    (the first host of a list); ``None`` unless the master is ``spark://``."""
    if settings.spark_master_ui:
        return settings.spark_master_ui.rstrip("/")
    master = settings.spark_master.strip()
    if not master.lower().startswith("spark://"):
        return None
    first = master[len("spark://") :].split(",")[0]
    host = urlsplit(f"//{first}").hostname
    if not host:
        return None
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    return f"http://{netloc}:{DEFAULT_UI_PORT}"


def executor_share_mb(status: dict[str, Any], executor_cores: int | None) -> int | None:
    """MB each executor may take so that every alive worker can start one: the smallest
    alive worker's free memory, divided among the executors its cores allow."""
    shares = []
    for worker in status.get("workers") or []:
        if not isinstance(worker, dict) or worker.get("state") != "ALIVE":
            continue
        try:
            free, cores = int(worker.get("memoryfree", 0)), int(worker.get("cores", 0))
        except (TypeError, ValueError):
            continue  # not the page of a Spark master we know: say nothing about this one
        executors = max(1, cores // executor_cores) if executor_cores and cores else 1
        shares.append(free // executors)
    return min(shares) if shares else None


def fetch_status(url: str, timeout: float = _TIMEOUT_SECONDS) -> dict[str, Any] | None:
    """The master's ``/json/`` status (``None`` if it is not an object); raises ``OSError`` or
    ``ValueError`` when the page does not answer or is not JSON."""
    with urllib.request.urlopen(f"{url}/json/", timeout=timeout) as reply:
        found = json.loads(reply.read(_MAX_REPLY_BYTES))
    return found if isinstance(found, dict) else None


def read_status(url: str) -> dict[str, Any] | None:
    """The master's ``/json/`` status, or ``None`` (logged) when it does not answer."""
    try:
        return fetch_status(url)
    except (OSError, ValueError) as exc:
        log.warning(
            "the Spark master's status page %s did not answer (%s): executors get Spark's 1g; "
            "set RINGFENCE_SPARK_EXECUTOR_MEMORY, or RINGFENCE_SPARK_MASTER_UI to the page",
            url, exc,
        )  # fmt: skip
        return None


def cluster_executor_memory(settings: Settings, conf: dict[str, str]) -> str | None:
    """``spark.executor.memory`` for a standalone master when nobody chose one, else ``None``."""
    if "spark.executor.memory" in conf:
        return None
    url = master_ui(settings)
    status = read_status(url) if url else None
    share = executor_share_mb(status, settings.spark_executor_cores) if status else None
    if share is None or share < _MIN_MB:
        return None
    log.info("executors take %dm, the free memory of the cluster's workers", share)
    return f"{share}m"
