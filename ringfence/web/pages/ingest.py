"""The ingest page: upload a feed, watch its job, browse what it quarantined.

A running job's card polls itself with htmx every second until the job ends; without JavaScript
the job page refreshes itself instead.
"""

from __future__ import annotations

import json
import re
import shutil

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ringfence.errors import UserError
from ringfence.ingest.registry import UnknownMapping
from ringfence.service.api.deps import RowId
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.jobs import temporary_upload_path
from ringfence.service.redact import public_message
from ringfence.service.views import ingest as ingest_views
from ringfence.service.views.tablequery import TableQuery
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import TEMPLATES, render, wants_fragment
from ringfence.web.session import page_caller
from ringfence.web.tables import TableSpec, csv_response, query_of, wants_csv

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

QUARANTINE_COLUMNS = [
    ("source_row", "Row", "num"),
    ("field", "Field", "bad_field"),
    ("reason", "Reason", "text"),
    ("raw", "Row as received", "raw"),
]
# Advice meant for the command line or the server's operator, not for someone at the form.
_ADVICE = re.compile(r"\s*\([^()]*(?:ringfence |RINGFENCE_|--|docs/)[^()]*\)")
_COMMAND = re.compile(r"[;,]?\s*(?:run|use|try|see|pass)\s+`?(?:ringfence |--|docs/)[^;.]*", re.I)
_CANONICAL = re.compile(r"of the (\w+) canonical format")


def in_words(message: str) -> str:
    """An error as a person reads it on the page: no server paths, no command-line advice."""
    text = _COMMAND.sub("", _ADVICE.sub("", public_message(message or ""))).strip(" ;,")
    text = _CANONICAL.sub(
        r"that a \1 file without a mapping must have; pick the mapping of your file's format", text
    )
    return text or "The upload could not be read."


TEMPLATES.env.filters["in_words"] = in_words


def _can_upload(caller: Caller) -> bool:
    return caller.role in ingest_views.UPLOAD_ROLES


@router.get("/ingest")
async def ingest_page(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The upload form (feeds and mappings the organisation may use) and its recent jobs."""
    return _ingest_form(request, caller, services)


def _ingest_form(
    request: Request, caller: Caller, services: Services, error: str = "", **chosen: str
) -> Response:
    model = ingest_views.jobs(services, caller)
    return render(
        request, "pages/ingest.html", title="Ingest", active="ingest", model=model,
        can_upload=_can_upload(caller), error=error, chosen=chosen,
        status_code=400 if error else 200,
    )  # fmt: skip


def _refused(
    request: Request, caller: Caller, services: Services, exc: UserError, **chosen: str
) -> Response:
    """A refused upload: the form again with the reason in words (htmx: the reason alone)."""
    if isinstance(exc, UnknownMapping):
        message = "That mapping is not one your organisation may use: pick one from the list."
    else:
        message = in_words(exc.message)
    if wants_fragment(request):
        response = render(request, "partials/upload_error.html", title="Ingest", error=message)
        response.headers["HX-Retarget"] = "#upload-error"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return _ingest_form(request, caller, services, error=message, **chosen)


@router.post("/ingest")
async def upload(
    request: Request,
    feed: str = Form(...),
    mapping: str = Form(""),
    file: UploadFile = File(...),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Save the uploaded file and queue its ingest; htmx gets the job card, a browser the job.

    A refused upload (no file, a feed or mapping it may not use) shows the form again with the
    reason in words."""
    chosen = mapping.strip() or None
    name = file.filename or ""
    try:
        if not name:
            raise UserError("Choose a file to upload.")
        await run_in_threadpool(ingest_views.check_upload, services, caller, feed, name, chosen)
    except UserError as exc:
        return _refused(request, caller, services, exc, feed=feed, mapping=mapping)
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
    """The rows a job's file sent to the quarantine, commonest reasons first, the bad field of
    each marked; ``?format=csv`` downloads them all (the rows as received, with the reason)."""
    query = query_of(request, ingest_views.PROBLEM_COLUMNS)
    if wants_csv(request):
        return _problems_csv(services, caller, job_id, "row", query)
    model = ingest_views.quarantine(services, caller, job_id, query=query)
    return render(
        request, "pages/quarantine.html", title=f"Quarantine of job {job_id}", active="ingest",
        model=model, columns=QUARANTINE_COLUMNS,
    )  # fmt: skip


@router.get("/ingest/jobs/{job_id}/field-problems")
async def field_problems_page(
    request: Request,
    job_id: RowId,
    page: int = Query(1, ge=1, le=100_000),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Values of accepted rows that did not clean (the rows were kept, the value left empty)."""
    query = query_of(request, ingest_views.PROBLEM_COLUMNS)
    if wants_csv(request):
        return _problems_csv(services, caller, job_id, "field", query)
    model = ingest_views.field_problems(services, caller, job_id, query=query)
    return render(
        request, "pages/quarantine.html", title=f"Field problems of job {job_id}",
        active="ingest", model=model, columns=QUARANTINE_COLUMNS,
    )  # fmt: skip


def _problems_csv(
    services: Services, caller: Caller, job_id: int, kind: str, query: TableQuery
) -> Response:
    """Every matching problem row of a job as CSV: row, field, reason, then the row's own
    columns."""
    rows = ingest_views.problem_rows(services, caller, job_id, kind, query)
    raw_keys: dict[str, None] = {}
    flat = []
    for row in rows:
        raw = raw_values(row.get("raw"))
        raw_keys.update(dict.fromkeys(raw))
        flat.append({**{f"raw:{k}": v for k, v in raw.items()}, **row})
    columns = [c for c in QUARANTINE_COLUMNS if c[0] != "raw"]
    columns += [(f"raw:{k}", k, "text") for k in raw_keys]
    name = "quarantine" if kind == "row" else "field-problems"
    return csv_response(TableSpec(f"job-{job_id}-{name}", columns), flat)


def raw_values(raw: object) -> dict[str, object]:
    """A problem's ``raw`` (the row as received, JSON text; or the bad value alone) as a dict."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            return {"value": raw}
        return value if isinstance(value, dict) else {"value": value}
    return {} if raw is None else {"value": raw}


TEMPLATES.env.filters["raw_values"] = raw_values
