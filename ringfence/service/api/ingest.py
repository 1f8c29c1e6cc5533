"""Uploading feeds (background jobs) and browsing what they quarantined."""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.jobs import temporary_upload_path
from ringfence.service.views import ingest
from ringfence.service.views.ingest import JobList, JobOut, QuarantinePage
from ringfence.service.views.tablequery import table_query

router = APIRouter(responses=ERRORS, tags=["ingest"])
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/uploads", response_model=JobOut, status_code=202)
async def upload(
    caller: CallerDep,
    services: ServicesDep,
    feed: Annotated[str, Form(min_length=1, max_length=64)],
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON lines, maybe gzipped")],
    mapping: Annotated[str | None, Form(max_length=200)] = None,
) -> JobOut:
    """Upload a feed file as your organisation; it is ingested by a background job.

    ``mapping`` names a shipped mapping or one registered for your organisation (never a path).
    A body over ``RINGFENCE_MAX_UPLOAD_BYTES`` is refused with 413 before it is read.
    """
    caller.require_role(*ingest.UPLOAD_ROLES)
    name = file.filename or ""
    await run_in_threadpool(ingest.check_upload, services, caller, feed, name, mapping or None)
    target = temporary_upload_path(services)
    try:
        with target.open("wb") as out:
            await run_in_threadpool(shutil.copyfileobj, file.file, out)
        return await run_in_threadpool(
            ingest.start_upload,
            services,
            caller,
            feed,
            target,
            name,
            mapping or None,
        )
    finally:
        target.unlink(missing_ok=True)  # moved into the job's folder unless the job was refused


@router.get("/jobs", response_model=JobList)
def jobs(caller: CallerDep, services: ServicesDep) -> JobList:
    """Your organisation's recent jobs, newest first."""
    return ingest.jobs(services, caller)


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: JobId, caller: CallerDep, services: ServicesDep) -> JobOut:
    """One job: status, progress and (when done) the ingest summary."""
    return ingest.job(services, caller, job_id)


@router.get("/jobs/{job_id}/quarantine", response_model=QuarantinePage)
def quarantine(
    request: Request,
    job_id: JobId,
    caller: CallerDep,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> QuarantinePage:
    """Rows the job's file sent to the quarantine, with reasons; sorted, filtered and paged
    like the page (``?sort=-source_row&field=name``)."""
    query = table_query(request.query_params, ingest.PROBLEM_COLUMNS)
    return ingest.quarantine(services, caller, job_id, query=query)


@router.get("/jobs/{job_id}/field-problems", response_model=QuarantinePage)
def field_problems(
    job_id: JobId,
    caller: CallerDep,
    services: ServicesDep,
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> QuarantinePage:
    """Values of the job's accepted rows that did not clean (rows kept without them); sorted,
    filtered and paged like the page."""
    query = table_query(request.query_params, ingest.PROBLEM_COLUMNS)
    return ingest.field_problems(services, caller, job_id, query=query)
