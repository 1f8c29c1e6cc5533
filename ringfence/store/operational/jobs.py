"""Background jobs with progress (e.g. an uploaded feed being ingested).

The job row is the only channel between the worker thread and the requests that poll it, so the
progress survives the worker and any process can read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update

from ringfence.errors import NotFoundError, UserError
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.tables import JOB_STATUSES, IngestRun, Job, utcnow

UNFINISHED = ("queued", "running")


class JobStore(StoreBase):
    """Background jobs with progress (e.g. an uploaded feed being ingested)."""

    def create_job(
        self,
        organisation: str,
        kind: str,
        *,
        actor: str,
        detail: dict[str, Any] | None = None,
        owner: str | None = None,
    ) -> int:
        """Queue a job and return its id; ``detail`` is its initial result (e.g. the file name).

        ``owner`` names the server process that will run it (``host:pid``), so start-up recovery
        can tell a job whose process died from one a live process is still running.
        """
        with self._transaction("creating a job") as session:
            require_organisation(session, organisation)
            job = Job(
                organisation=organisation,
                kind=kind,
                status="queued",
                done=0,
                message="queued",
                result=dict(detail or {}),
                created_by=actor,
                owner=owner,
                heartbeat_at=utcnow(),
            )
            session.add(job)
            session.flush()
            return job.id

    def update_job(
        self,
        job_id: int,
        *,
        status: str | None = None,
        done: int | None = None,
        total: int | None = None,
        message: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Move a job on: status, progress counts, message or (merged) result."""
        if status is not None and status not in JOB_STATUSES:
            raise UserError(f"unknown job status {status!r}; use one of {JOB_STATUSES}")
        with self._transaction("updating a job") as session:
            job = session.get(Job, job_id)
            if job is None:
                raise NotFoundError(f"no job {job_id}")
            job.heartbeat_at = utcnow()  # any update shows the owner is alive
            if status is not None:
                job.status = status
                if status == "running" and job.started_at is None:
                    job.started_at = utcnow()
                if status in ("done", "failed"):
                    job.finished_at = utcnow()
            job.done = job.done if done is None else done
            job.total = job.total if total is None else total
            job.message = job.message if message is None else message
            if result is not None:
                job.result = {**job.result, **result}

    def job(self, job_id: int, organisation: str | None = None) -> Job:
        """The job ``job_id``; ``NotFoundError`` if absent or of another organisation."""
        with self._transaction("reading a job") as session:
            job = session.get(Job, job_id)
        if job is None or (organisation is not None and job.organisation != organisation):
            raise NotFoundError(f"no job {job_id}")
        return job

    def jobs(self, organisation: str | None = None, limit: int | None = 50) -> list[Job]:
        """Jobs, newest first, optionally of one organisation."""
        query = select(Job).order_by(Job.id.desc())
        if organisation is not None:
            query = query.where(Job.organisation == organisation)
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("listing jobs") as session:
            return list(session.scalars(query))

    # -- liveness and recovery (see ``ringfence.service.recovery``) -------------------------

    def heartbeat_jobs(self, job_ids: Iterable[int]) -> None:
        """Mark unfinished jobs ``job_ids`` as still being worked on by their owner."""
        ids = list(job_ids)
        if not ids:
            return
        query = (
            update(Job)
            .where(Job.id.in_(ids), Job.status.in_(UNFINISHED))
            .values(heartbeat_at=utcnow())
        )
        with self._transaction("recording a job heartbeat") as session:
            session.execute(query)

    def unfinished_jobs(self) -> list[Job]:
        """Jobs still ``queued`` or ``running``, oldest first."""
        query = select(Job).where(Job.status.in_(UNFINISHED)).order_by(Job.id)
        with self._transaction("listing unfinished jobs") as session:
            return list(session.scalars(query))

    def close_abandoned_job(
        self, job: Job, *, status: str, message: str, result: dict[str, Any] | None = None
    ) -> bool:
        """End a job left behind by a dead process, unless it moved on meanwhile.

        Returns whether this call ended it: the job must still be unfinished, with the same
        owner and heartbeat as ``job`` (read earlier), so two recovering processes, or a live
        owner that just reported progress, are never overruled.
        """
        query = (
            update(Job)
            .where(
                Job.id == job.id,
                Job.status.in_(UNFINISHED),
                Job.owner.is_(None) if job.owner is None else Job.owner == job.owner,
                Job.heartbeat_at.is_(None)
                if job.heartbeat_at is None
                else Job.heartbeat_at == job.heartbeat_at,
            )
            .values(
                status=status,
                message=message,
                finished_at=utcnow(),
                result={**job.result, **(result or {})},
            )
        )
        with self._transaction("closing an abandoned job") as session:
            return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]

    def latest_ingest_run(self, file_name_like: str) -> IngestRun | None:
        """The latest ingest run whose file name matches the SQL LIKE pattern, if any."""
        query = (
            select(IngestRun)
            .where(IngestRun.file_name.like(file_name_like))
            .order_by(IngestRun.id.desc())
            .limit(1)
        )
        with self._transaction("reading an ingest run") as session:
            return session.scalar(query)
