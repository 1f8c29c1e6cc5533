"""Background jobs with progress (e.g. an uploaded feed being ingested).

The job row is the only channel between the worker thread and the requests that poll it, so the
progress survives the worker and any process can read it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ringfence.errors import NotFoundError, UserError
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.tables import JOB_STATUSES, Job, utcnow


class JobStore(StoreBase):
    """Background jobs with progress (e.g. an uploaded feed being ingested)."""

    def create_job(
        self, organisation: str, kind: str, *, actor: str, detail: dict[str, Any] | None = None
    ) -> int:
        """Queue a job and return its id; ``detail`` is its initial result (e.g. the file name)."""
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
