"""Scratch of runs killed mid-way (``store.leftovers``): removed once its owner is gone, never
while it runs; nothing else in a folder is touched."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringfence.store.leftovers import (
    LAKE_PREFIXES,
    STALE_SECONDS,
    clean_leftovers,
    owned_name,
    sweep,
)

HOST = socket.gethostname()


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def _folder(path: Path, age: float = 0.0) -> Path:
    path.mkdir(parents=True)
    (path / "part-00000.parquet").write_bytes(b"x" * 10)
    _age(path, age)
    return path


def _age(path: Path, seconds: float) -> None:
    stamp = time.time() - seconds
    for entry in [*path.iterdir(), path] if path.is_dir() else [path]:
        os.utime(entry, (stamp, stamp))


def test_owned_names_carry_pid_and_host() -> None:
    name = owned_name(".staging-")
    assert name.startswith(f".staging-{os.getpid()}@{HOST}-")
    assert len(name.rpartition("-")[2]) == 32


def test_a_dead_owners_scratch_goes_at_once_and_a_live_ones_stays(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    dead = _folder(tmp_path / f".staging-{dead_pid}@{HOST}-{'a' * 32}")
    dead_part = tmp_path / f".tmp-{dead_pid}@{HOST}-{'b' * 32}.parquet"
    dead_part.write_bytes(b"half a file")
    live = _folder(tmp_path / f".staging-{live_pid}@{HOST}-{'c' * 32}", age=10 * STALE_SECONDS)
    mine = _folder(tmp_path / owned_name(".spark-", "x1y2"), age=10 * STALE_SECONDS)
    removed = sweep(tmp_path, LAKE_PREFIXES)
    assert sorted(removed) == sorted([dead, dead_part])
    assert not dead.exists() and not dead_part.exists()
    assert live.is_dir() and mine.is_dir()  # running, however old


def test_other_hosts_and_unnamed_scratch_go_only_when_stale(tmp_path: Path) -> None:
    fresh_remote = _folder(tmp_path / f".staging-123@elsewhere-{'d' * 32}")
    old_remote = _folder(tmp_path / f".staging-123@elsewhere-{'e' * 32}", age=2 * STALE_SECONDS)
    fresh_legacy = _folder(tmp_path / f".staging-{'f' * 32}")
    old_legacy = _folder(tmp_path / f".staging-{'0' * 32}", age=2 * STALE_SECONDS)
    removed = sweep(tmp_path, LAKE_PREFIXES)
    assert sorted(removed) == sorted([old_remote, old_legacy])
    assert fresh_remote.is_dir() and fresh_legacy.is_dir()


def test_nothing_but_scratch_is_touched(tmp_path: Path, dead_pid: int) -> None:
    part = tmp_path / f"part-{dead_pid}@{HOST}-{'1' * 32}.parquet"
    part.write_bytes(b"committed rows")
    _age(part, 10 * STALE_SECONDS)
    other = _folder(tmp_path / "stages", age=10 * STALE_SECONDS)
    assert sweep(tmp_path, LAKE_PREFIXES) == []
    assert sweep(tmp_path / "missing", LAKE_PREFIXES) == []
    assert part.read_bytes() == b"committed rows" and other.is_dir()


def test_clean_leftovers_sweeps_tmp_and_every_dataset(tmp_path: Path, dead_pid: int) -> None:
    lake = tmp_path / "lake"
    owned = f"{dead_pid}@{HOST}-{'2' * 32}"
    leftovers = [
        _folder(tmp_path / "tmp" / f"ingest-{owned}"),
        _folder(tmp_path / "tmp" / f"target-{owned}"),
        _folder(lake / "shipment_scores" / f".staging-{owned}"),
        _folder(lake / "shipments" / f".spark-{owned}"),
    ]
    kept = [_folder(tmp_path / "tmp" / "spark"), _folder(lake / "shipments" / "sub")]
    assert sorted(clean_leftovers(tmp_path, lake)) == sorted(leftovers)
    assert all(k.is_dir() for k in kept)
    assert clean_leftovers(tmp_path / "none", tmp_path / "none") == []
