"""The ingest page: upload a feed, watch its job, browse what it quarantined.

A running job's card polls itself with htmx every second until the job ends; without JavaScript
the job page refreshes itself instead.
"""

from __future__ import annotations

import shutil

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ringfence.errors import UserError
from ringfence.service.api.deps import RowId
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.jobs import temporary_upload_path
from ringfence.service.views import ingest as ingest_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

QUARANTINE_COLUMNS = [
    ("source_row", "Row", "num"),
    ("field", "Field", "mono"),
    ("reason", "Reason", "text"),
    ("raw", "Row as received", "mono"),
]


def _can_upload(caller: Caller) -> bool:
    return caller.role in ingest_views.UPLOAD_ROLES


@router.get("/ingest")
async def ingest_page(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The upload form and the organisation's recent jobs."""
    model = ingest_views.jobs(services, caller)
    return render(
        request, "pages/ingest.html", title="Ingest", active="ingest", model=model,
        can_upload=_can_upload(caller),
    )  # fmt: skip


@router.post("/ingest")
async def upload(
    request: Request,
    feed: str = Form(...),
    mapping: str = Form(""),
    file: UploadFile = File(...),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Save the uploaded file and queue its ingest; htmx gets the job card, a browser the job."""
    if not file.filename:
        raise UserError("choose a file to upload")
    chosen = mapping.strip() or None
    name = file.filename
    await run_in_threadpool(ingest_views.check_upload, services, caller, feed, name, chosen)
    target = temporary_upload_path(services)
    try:  # a refused upload leaves no file behind
        with target.open("wb") as out:
            await run_in_threadpool(shutil.copyfileobj, file.file, out)
        job = await run_in_threadpool(
            ingest_views.start_upload, services, caller, feed, target, name, chosen
        )
    finally:
        target.unlink(missing_ok=True)  # moved into the job's folder unless the job was refused
    if wants_fragment(request):
        return render(request, "partials/job_card.html", title="Ingest", job=job)
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


@router.get("/ingest/jobs/{job_id}")
async def job_page(
    request: Request,
    job_id: RowId,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """One job; htmx polls this for the card alone while the job runs."""
    job = ingest_views.job(services, caller, job_id)
    template = "partials/job_card.html" if wants_fragment(request) else "pages/job.html"
    return render(request, template, title=f"Job {job_id}", active="ingest", job=job)


@router.get("/ingest/jobs/{job_id}/quarantine")
async def quarantine_page(
    request: Request,
    job_id: RowId,
    page: int = Query(1, ge=1, le=100_000),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The rows a job's file sent to the quarantine, commonest reasons first."""
    model = ingest_views.quarantine(services, caller, job_id, page=page)
    return render(
        request, "pages/quarantine.html", title=f"Quarantine of job {job_id}", active="ingest",
        model=model, columns=QUARANTINE_COLUMNS,
    )  # fmt: skip
