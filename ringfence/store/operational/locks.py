"""Exclusive locks on lake datasets, so concurrent ingests of one dataset take turns.

An ingest reads a dataset's existing keys and then writes the new rows; two ingests doing that at
once (two threads, two ``--workers`` processes, two servers on one data directory) would each see
the other's rows as new and write them twice. ``dataset_locks`` serialises that step:

- a file lock (``flock``) per dataset under ``<data_dir>/locks``, which orders threads and
  processes on one host (each acquisition opens the file anew, so threads exclude each other too);
- on PostgreSQL, also a session-level advisory lock per dataset on a dedicated connection, which
  orders processes on different hosts sharing the store (the lake then lives on shared storage).

Both are released by the operating system or the database when the holder dies, so a killed
server never leaves a dataset locked. Locks are taken in name order, so two ingests never wait on
each other in a cycle.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from ringfence.errors import ConflictError
from ringfence.store.operational import database

POLL_SECONDS = 0.05
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def advisory_key(name: str) -> int:
    """The signed 64-bit PostgreSQL advisory-lock key of a dataset name."""
    digest = hashlib.sha256(f"ringfence-dataset:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def dataset_locks(
    lock_dir: Path, names: Iterable[str], *, engine: Engine | None = None, wait_seconds: float
) -> Iterator[None]:
    """Hold exclusive locks on ``names`` for the block (``ConflictError`` after ``wait_seconds``).

    ``engine`` is the operational store's; when it is PostgreSQL, advisory locks are taken too.
    """
    deadline = time.monotonic() + wait_seconds
    with ExitStack() as stack:
        for name in sorted(set(names)):
            if engine is not None and engine.dialect.name == "postgresql":
                stack.enter_context(_advisory_lock(engine, name, deadline))
            stack.enter_context(_file_lock(lock_dir, name, deadline))
        yield


def _busy(name: str) -> ConflictError:
    return ConflictError(
        f"dataset {name!r} is being ingested by another job or process that did not finish in "
        "time; try again later"
    )


@contextmanager
def _file_lock(lock_dir: Path, name: str, deadline: float) -> Iterator[None]:
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{_SAFE_NAME.sub('_', name)}.lock"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(name) from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _advisory_lock(engine: Engine, name: str, deadline: float) -> Iterator[None]:
    key = advisory_key(name)
    url = engine.url.render_as_string(hide_password=False)
    with database.store_errors(url, f"locking dataset {name!r}"):
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        with database.store_errors(url, f"locking dataset {name!r}"):
            while not connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}):
                if time.monotonic() >= deadline:
                    raise _busy(name)
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            with database.store_errors(url, f"unlocking dataset {name!r}"):
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        connection.close()
