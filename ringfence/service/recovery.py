"""Start-up recovery: close the jobs a dead server process left behind and clean its staging.

Every job row names its owner (``host:pid`` of the server process running it) and carries a
heartbeat the owner refreshes while it works. At start-up a server closes the unfinished jobs
whose owner is gone: on this host when its process no longer exists, is a zombie, or stopped
beating; on another host when its heartbeat is older than ``STALE_SECONDS``. A running server
sweeps again every ``SWEEP_SECONDS`` for owners that died after it started. Jobs of live
owners (the other ``--workers`` of the same server, another instance) are left alone.

A closed job whose rows were already written (its ingest run is recorded) ends ``done`` with the
run's counts, so its quarantine shows; any other ends ``failed`` with the reason. Either way its
upload folder is removed; nothing is re-ingested, so uploading the file again gives duplicates,
never doubles.
"""

from __future__ import annotations

import os
import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ringfence.service.context import Services
from ringfence.store.leftovers import clean_leftovers, pid_alive
from ringfence.store.operational.tables import IngestRun, Job, utcnow

HEARTBEAT_SECONDS = 10.0
STALE_SECONDS = 60.0
SWEEP_SECONDS = 15.0  # how often a running server looks for jobs of owners gone since start-up
STOPPED_RUNNING = "server stopped while the job was running"
STOPPED_QUEUED = "server stopped before the job started"
RECOVERY_ACTOR = "system:recovery"


def process_owner() -> str:
    """This server process as a job owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(job: Job, now: datetime) -> bool:
    """Whether the process that owns ``job`` may still be working on it."""
    fresh = job.heartbeat_at is not None and now - job.heartbeat_at < timedelta(
        seconds=STALE_SECONDS
    )
    host, _, pid = (job.owner or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return fresh and pid_alive(int(pid))
    return fresh


def recover_jobs(services: Services, owner: str) -> list[int]:
    """Close every unfinished job whose owner is gone; returns the ids closed by this call."""
    store = services.store
    now = utcnow()
    closed = []
    for job in store.unfinished_jobs():
        if job.owner == owner or owner_alive(job, now):
            continue
        if _close(services, job):
            closed.append(job.id)
    clean_staging(services.settings.data_dir, services.settings.lake_dir)
    if closed:
        services.forget_derived()
    return closed


def _close(services: Services, job: Job) -> bool:
    store = services.store
    folder = services.settings.data_dir / "uploads" / f"job-{job.id}"
    run = store.latest_ingest_run(f"%job-{job.id}/%") if job.kind == "ingest" else None
    if run is not None:
        status = "done"
        message = (
            f"{run.accepted} accepted, {run.quarantined} quarantined, "
            f"{run.duplicates} duplicates (recovered after the server stopped)"
        )
        result: dict[str, Any] = {"summary": run_summary(run)}
    else:
        status = "failed"
        message = STOPPED_RUNNING if job.status == "running" else STOPPED_QUEUED
        result = {}
    if not store.close_abandoned_job(job, status=status, message=message, result=result):
        return False  # another process recovered it, or its owner spoke up
    shutil.rmtree(folder, ignore_errors=True)
    store.audit(
        "job.recovered",
        RECOVERY_ACTOR,
        job.organisation,
        {"job": job.id, "kind": job.kind, "status": status, "reason": message, "owner": job.owner},
    )
    return True


def run_summary(run: IngestRun) -> dict[str, Any]:
    """A job's ``summary`` rebuilt from its recorded ingest run (same shape as a live one)."""
    counts = {
        "rows_read": run.rows_read,
        "accepted": run.accepted,
        "quarantined": run.quarantined,
        "duplicates": run.duplicates,
        "field_problems": run.field_problems,
    }
    file: dict[str, Any] = {
        "file": Path(run.file_name).name,
        "feed": run.feed,
        "organisation": run.organisation,
        **counts,
        "file_sha256": run.file_sha256,
        "mapping": None if run.mapping is None else Path(run.mapping).name,
        "new_records": {},
        "warnings": [],
        "seconds": round((run.finished_at - run.started_at).total_seconds(), 3),
    }
    return {"files": [file], **counts}


def clean_staging(data_dir: Path, lake_dir: Path) -> None:
    """Remove partial uploads of dead processes and scratch whose owner is gone
    (``store.leftovers``)."""
    uploads = data_dir / "uploads"
    for partial in uploads.glob("upload-*") if uploads.is_dir() else []:
        pid = partial.name.split("-")[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            partial.unlink(missing_ok=True)
    clean_leftovers(data_dir, lake_dir)
