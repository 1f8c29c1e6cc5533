"""The background job runner: uploads are ingested in a worker thread, progress in the store.

A thread pool (not a task queue) is enough for one server process: the job row in the
operational store carries status and progress, so pages and API clients poll it, and a failed
job keeps its one-line error.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from ringfence.errors import LimitError, RingfenceError, StoreError
from ringfence.ingest import ingest_files
from ringfence.service import recovery
from ringfence.service.context import Caller, Services
from ringfence.service.metrics import JOBS
from ringfence.service.redact import public_message, public_summary

# Progress is written at most this often (rows) so a big file does not flood the store.
PROGRESS_EVERY_ROWS = 5000


class JobRunner:
    """Runs ingest jobs in worker threads; ``wait`` lets tests and the CLI block on one."""

    def __init__(self, services: Services, workers: int = 1) -> None:
        self.services = services
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[int, Future[None]] = {}
        self.owner = recovery.process_owner()  # host:pid, recorded on each job it runs
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._sweeper: threading.Thread | None = None

    def _executor(self) -> ThreadPoolExecutor:
        # Created on demand so an app whose lifespan ended (a test client closed) still runs jobs.
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="ringfence-job")
        return self._pool

    def start_ingest(
        self,
        caller: Caller,
        feed: str,
        upload: Path,
        file_name: str,
        mapping: str | None,
    ) -> int:
        """Queue the ingest of an uploaded file (moved into the job's folder); returns its id."""
        store = self.services.store
        detail = {"feed": feed, "file": file_name, "mapping": mapping}
        job_id = store.create_job(
            caller.organisation, "ingest", actor=caller.actor, detail=detail, owner=self.owner
        )
        JOBS.labels(kind="ingest", status="queued").inc()
        folder = self.services.settings.data_dir / "uploads" / f"job-{job_id}"
        target = folder / Path(file_name).name
        try:
            # The store just issued this id, so a folder already under it is left from another
            # store (a restored or new database over the same data directory): not this job's.
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
            shutil.move(str(upload), target)
        except OSError as exc:  # never leave the job queued for a file it does not have
            reason = f"the upload could not be stored ({exc.strerror or type(exc).__name__})"
            store.update_job(job_id, status="failed", message=reason)
            shutil.rmtree(folder, ignore_errors=True)
            raise StoreError(reason) from None
        self._futures[job_id] = self._executor().submit(
            self._run_audited, job_id, caller, feed, target, mapping
        )
        self._start_heartbeat()
        return job_id

    def _run_audited(
        self, job_id: int, caller: Caller, feed: str, path: Path, mapping: str | None
    ) -> None:
        """Run the job; a failed one is audited with its reason (a refused write is a write)."""
        try:
            self._run_ingest(job_id, caller, feed, path, mapping)
        finally:
            job = self.services.store.job(job_id)
            if job.status == "failed":
                detail = {"job": job_id, "feed": feed, "file": path.name, "reason": job.message}
                self.services.store.audit(
                    "ingest.failed", caller.actor, caller.organisation, detail
                )

    def _run_ingest(
        self, job_id: int, caller: Caller, feed: str, path: Path, mapping: str | None
    ) -> None:
        store = self.services.store
        store.update_job(job_id, status="running", message=f"reading {path.name}")
        last = [0]
        limit = self.services.settings.max_job_seconds
        deadline = time.monotonic() + limit

        def progress(task: str, done: int, total: int | None = None, **_: Any) -> None:
            if time.monotonic() > deadline:  # checked after every batch the reader delivers
                raise LimitError(
                    f"{path.name}: the job ran longer than {limit:g} seconds "
                    "(limit RINGFENCE_MAX_JOB_SECONDS); split the file"
                )
            if total is not None or done - last[0] >= PROGRESS_EVERY_ROWS:
                last[0] = done
                store.update_job(job_id, done=done, total=total, message=f"{task}: {done} rows")

        try:
            summary = ingest_files(
                self.services.settings,
                feed,
                [path],
                mapping=mapping,
                organisation=caller.organisation,
                progress=progress,
                actor=caller.actor,
            )
        except RingfenceError as exc:
            store.update_job(job_id, status="failed", message=public_message(exc.message))
            JOBS.labels(kind="ingest", status="failed").inc()
            shutil.rmtree(path.parent, ignore_errors=True)  # a failed upload leaves no files
            return
        except Exception as exc:  # a bug must still end the job visibly, never leave it running
            message = public_message(f"internal error: {exc}")
            store.update_job(job_id, status="failed", message=message)
            JOBS.labels(kind="ingest", status="failed").inc()
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
        result = public_summary(summary.to_dict())
        store.update_job(
            job_id,
            status="done",
            done=summary.rows_read,
            total=summary.rows_read,
            message=f"{summary.accepted} accepted, {summary.quarantined} quarantined, "
            f"{summary.duplicates} duplicates, {summary.field_problems} field problems",
            result={"summary": result},
        )
        JOBS.labels(kind="ingest", status="done").inc()
        self.services.forget_derived()

    def wait(self, job_id: int, timeout: float | None = 60.0) -> None:
        """Block until job ``job_id`` (started by this runner) has finished."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        """Finish running jobs and stop the workers (new jobs start a fresh pool)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._stop.set()
        for thread in (self._heartbeat, self._sweeper):
            if thread is not None:
                thread.join()
        self._heartbeat = self._sweeper = None
        self._stop.clear()

    def recover(self) -> list[int]:
        """Close the jobs dead server processes left unfinished (see ``service.recovery``),
        now and then every ``recovery.SWEEP_SECONDS`` while the server runs: an owner that
        looked alive at start-up (a killed process not yet reaped, another worker) may die or
        go silent later (red team F9)."""
        closed = recovery.recover_jobs(self.services, self.owner)
        if self._sweeper is None or not self._sweeper.is_alive():
            self._sweeper = threading.Thread(
                target=self._sweep, name="ringfence-job-recovery", daemon=True
            )
            self._sweeper.start()
        return closed

    def _sweep(self) -> None:
        while not self._stop.wait(recovery.SWEEP_SECONDS):
            try:
                recovery.recover_jobs(self.services, self.owner)
            except RingfenceError:  # the store is briefly unavailable: sweep again next time
                continue

    def _start_heartbeat(self) -> None:
        if self._heartbeat is None or not self._heartbeat.is_alive():
            self._heartbeat = threading.Thread(
                target=self._beat, name="ringfence-job-heartbeat", daemon=True
            )
            self._heartbeat.start()

    def _beat(self) -> None:
        """Tell the store every few seconds that this process still works on its jobs."""
        while not self._stop.wait(recovery.HEARTBEAT_SECONDS):
            active = [job_id for job_id, future in self._futures.items() if not future.done()]
            try:
                self.services.store.heartbeat_jobs(active)
            except RingfenceError:  # the store is briefly unavailable: beat again next time
                continue


@asynccontextmanager
async def received_upload(services: Services, upload: UploadFile) -> AsyncIterator[Path]:
    """The upload's body streamed into a temporary file (``temporary_upload_path``), removed
    again on leaving unless the caller moved it away."""
    target = temporary_upload_path(services)
    try:
        with target.open("wb") as out:
            await run_in_threadpool(shutil.copyfileobj, upload.file, out)
        yield target
    finally:
        target.unlink(missing_ok=True)


def temporary_upload_path(services: Services) -> Path:
    """A fresh path under the data directory to stream an upload into."""
    folder = services.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    # The process id in the name lets start-up recovery remove a dead process's partial upload.
    descriptor, name = tempfile.mkstemp(dir=folder, prefix=f"upload-{os.getpid()}-")
    os.close(descriptor)
    return Path(name)
