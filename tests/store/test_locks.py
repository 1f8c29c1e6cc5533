"""Concurrent ingests of one dataset take turns (issue 15, finding 7).

Two server processes (``--workers 2``, or a second instance) on one data directory used to ingest
the same file twice: each read the lake's keys before the other had written, so 20,000 keys
became 40,000 rows. The ingest now holds a per-dataset lock around read-keys-then-write.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ringfence.errors import ConflictError
from ringfence.ingest import ingest_files
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.locks import dataset_locks

ROWS = 20_000


def _parties_file(folder: Path, rows: int = ROWS) -> Path:
    path = folder / "parties.csv"
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name"])
        writer.writerows([f"p-{i}", f"Party {i}"] for i in range(rows))
    return path


def _keys(settings: Settings) -> tuple[int, int]:
    """(rows, distinct source keys) of the parties dataset."""
    keys: list[str] = []
    for part in Lake(settings).parts("parties"):
        keys += pq.read_table(part, columns=["source_key"]).column("source_key").to_pylist()
    return len(keys), len(set(keys))


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGFENCE_")}
    env["RINGFENCE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["RINGFENCE_DATABASE_URL"] = settings.database_url
    return env


def test_two_processes_ingesting_one_file_write_each_key_once(
    settings: Settings, tmp_path: Path
) -> None:
    source = _parties_file(tmp_path / "in")
    OperationalStore.open(settings).close()  # migrate once, so both processes start equal
    command = [sys.executable, "-m", "ringfence", "ingest", "parties", str(source), "--org", "acme"]
    processes = [
        subprocess.Popen(
            command, env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=180) for process in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    assert _keys(settings) == (ROWS, ROWS)
    with OperationalStore.open(settings) as store:
        runs = store.ingest_runs("acme")
    assert len(runs) == 2
    assert sorted(r.accepted for r in runs) == [0, ROWS]
    assert sorted(r.duplicates for r in runs) == [0, ROWS]


def test_threads_ingesting_one_file_write_each_key_once(settings: Settings, tmp_path: Path) -> None:
    source = _parties_file(tmp_path / "in", 5_000)
    OperationalStore.open(settings).close()
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            ingest_files(settings, "parties", [source], organisation="acme")
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=ingest) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _keys(settings) == (5_000, 5_000)


def test_a_held_dataset_lock_makes_others_wait_then_refuses(settings: Settings) -> None:
    lock_dir = settings.data_dir / "locks"
    with OperationalStore.open(settings) as store:
        engine = store.engine
        with dataset_locks(lock_dir, ["parties"], engine=engine, wait_seconds=5):
            started = time.monotonic()
            with (
                pytest.raises(ConflictError, match="'parties' is being ingested"),
                dataset_locks(lock_dir, ["parties"], engine=engine, wait_seconds=0.3),
            ):
                pass
            assert time.monotonic() - started >= 0.3
            # Another dataset is not held up.
            with dataset_locks(lock_dir, ["shipments"], engine=engine, wait_seconds=0.3):
                pass
        # Released at the end of the block.
        with dataset_locks(lock_dir, ["parties"], engine=engine, wait_seconds=0.3):
            pass


def test_a_killed_holder_releases_its_lock(settings: Settings) -> None:
    lock_dir = settings.data_dir / "locks"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from ringfence.store.operational.locks import dataset_locks\n"
            f"with dataset_locks(Path({str(lock_dir)!r}), ['parties'], wait_seconds=5):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ConflictError), dataset_locks(lock_dir, ["parties"], wait_seconds=0.2):
            pass
    finally:
        holder.kill()
        holder.wait()
    with dataset_locks(lock_dir, ["parties"], wait_seconds=2):
        pass
