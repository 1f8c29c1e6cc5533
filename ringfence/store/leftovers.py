"""Scratch files and folders named after the process that writes them, and their removal once
that process is gone.

A run killed mid-way (``kill -9``, a lost machine) cannot clean up after itself: ``ringfence
score`` killed in its second date slice left 385 MB of staged Parquet in the lake's
``shipment_scores`` folder on the 3M-shipment world, which no later run removed (docs/scale.md).
A scratch name made by ``owned_name`` carries its owner (``<prefix><pid>@<host>-<token>``);
``sweep`` removes, in one folder, those whose owner is a process of this machine that is no
longer running, and those of other machines (or of older, unnamed runs) that nobody touched for
``STALE_SECONDS``. A live run's scratch is never removed.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from pathlib import Path

STALE_SECONDS = 3600.0
# Scratch in the data directory's ``tmp`` (ingest staging, targeting's scores, uploaded mappings)
# and in each lake dataset's folder (parts being written, a score run's staging, Spark's output).
TMP_PREFIXES = ("ingest-", "target-", "mapping-")
LAKE_PREFIXES = (".tmp-", ".staging-", ".spark-")
# The built network kept in the data directory (``resolve/network/cache.py``); networks being
# written there are ``.tmp-`` folders.
NETWORK_CACHE = Path("cache", "network")


def owned_name(prefix: str, token: str | None = None) -> str:
    """A scratch name for this process: ``prefix``, its pid and host, and ``token`` (new random
    hex by default; ``tempfile`` may append its own letters after an empty one)."""
    token = uuid.uuid4().hex if token is None else token
    return f"{prefix}{os.getpid()}@{socket.gethostname()}-{token}"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine is running (a zombie is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, but belongs to someone else
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` is a process that ended but was not reaped yet (a killed process whose
    parent has not collected it still answers ``kill(pid, 0)``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def last_touched(path: Path) -> float:
    """The newest modification time of ``path`` and, for a folder, of its direct entries."""
    try:
        entries = list(path.iterdir()) if path.is_dir() else []
        return max([path.stat().st_mtime, *(p.stat().st_mtime for p in entries)])
    except OSError:
        return time.time()


def _abandoned(rest: str, path: Path, now: float, stale_seconds: float) -> bool:
    """Whether the scratch entry ``path`` (its name after the prefix is ``rest``) is nobody's."""
    owner, _, _token = rest.rpartition("-")
    pid, _, host = owner.partition("@")
    if pid.isdigit() and host == socket.gethostname():
        return int(pid) != os.getpid() and not pid_alive(int(pid))
    return now - last_touched(path) > stale_seconds


def sweep(
    folder: Path, prefixes: tuple[str, ...], stale_seconds: float = STALE_SECONDS
) -> list[Path]:
    """Remove the entries of ``folder`` named with one of ``prefixes`` whose owner is gone;
    returns what was removed."""
    removed: list[Path] = []
    now = time.time()
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        prefix = next((p for p in prefixes if path.name.startswith(p)), None)
        if prefix is None or not _abandoned(path.name[len(prefix):], path, now, stale_seconds):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def clean_leftovers(data_dir: Path, lake_dir: Path) -> list[Path]:
    """``sweep`` the data directory's ``tmp`` and every lake dataset's folder; returns what was
    removed. Runs that write scratch call it first (ingest, score, the service at start-up)."""
    removed = sweep(data_dir / "tmp", TMP_PREFIXES)
    removed += sweep(data_dir / NETWORK_CACHE, (".tmp-",))
    for dataset in sorted(lake_dir.iterdir()) if lake_dir.is_dir() else []:
        if dataset.is_dir():
            removed += sweep(dataset, LAKE_PREFIXES)
    return removed
