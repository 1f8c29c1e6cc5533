"""Many partner files at once: one process per file, the same guarantees as one by one.

Each file is ingested by ``ingest_files`` in a worker process of its own (its own engine and
store connection). Reading, cleaning and staging — the bulk of the work — run side by side;
the step that compares a file's keys with the lake and writes its rows holds the dataset's
lock (``dataset_locks``), so two files never interleave there: every row is still accepted,
quarantined or counted a duplicate exactly once, and ingesting the same files again adds
nothing. The summary lists the files in the order given, as a sequential run would.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ringfence.errors import RingfenceError
from ringfence.ingest.pipeline import Progress, ingest_files, require_files
from ringfence.ingest.summary import IngestSummary
from ringfence.settings import Settings

MAX_JOBS = 32


def job_count(jobs: int, files: int) -> int:
    """Workers to start: ``jobs`` (0 = this machine's cores), at most one per file and 32."""
    wanted = jobs if jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, files, MAX_JOBS))


def _one_file(settings: Settings, feed: str, path: str, options: dict[str, Any]) -> Any:
    """A worker's task: ingest one file; a Ringfence error comes back as data, not raised
    (its class and message cross the process boundary; its constructor's keywords may not)."""
    try:
        return ingest_files(settings, feed, [path], **options)
    except RingfenceError as exc:
        return (type(exc), exc.message)


def _raise(kind: type[RingfenceError], message: str) -> None:
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    error.message = message
    raise error


def ingest_parallel(
    settings: Settings,
    feed: str,
    paths: Sequence[str | Path],
    jobs: int = 0,
    progress: Progress | None = None,
    **options: Any,
) -> IngestSummary:
    """Ingest ``paths`` into ``feed`` with up to ``jobs`` processes (0: one per core).

    ``options`` are ``ingest_files``'s (mapping, organisation, strict, file_format, actor).
    ``progress(task, files_done, files)`` after each file. The first file that fails with a
    Ringfence error fails the call, after the files already under way have finished (their
    rows are in, as in a sequential run that stopped there).
    """
    require_files(paths)
    workers = job_count(jobs, len(paths))
    if workers == 1:
        return ingest_files(settings, feed, paths, progress=progress, **options)
    summary, failure = IngestSummary(), None
    context = multiprocessing.get_context("spawn")  # no forked DuckDB or database handles
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_one_file, settings, feed, str(p), options) for p in paths]
        for done, future in enumerate(futures, start=1):
            result = future.result()
            if isinstance(result, tuple):
                failure = failure or result
                continue
            summary.files.extend(result.files)
            if progress:
                progress(f"ingest {len(paths)} files", done, len(paths))
    if failure is not None:
        _raise(*failure)
    return summary
