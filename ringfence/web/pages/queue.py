"""The officer's inspection queue and one-click outcome recording.

Recording posts a small form: with htmx the response is the task's row, swapped in place; without
JavaScript the browser is sent back to the queue it came from (POST, redirect, GET).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from ringfence.errors import NotFoundError, UserError
from ringfence.service.api.deps import RowId
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import queue as queue_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

STATUSES = ("open", "done", "cancelled", "all")
# The one-click buttons: (result, positive, label, button style).
QUICK_OUTCOMES = (
    ("seized", True, "Seized", "danger"),
    ("irregular", True, "Irregular", ""),
    ("clear", False, "Clear", "ok"),
)


def _status_filter(status: str) -> str | None:
    if status not in STATUSES:
        raise UserError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    return None if status == "all" else status


@router.get("/queue")
async def queue_page(
    request: Request,
    target_date: str | None = None,
    port: str | None = None,
    status: str = "open",
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The caller's inspection queue for a date (default: the latest), port and status."""
    model = queue_views.inspection_queue(
        services, caller, target_date=target_date or None, port=port or None,
        status=_status_filter(status),
    )  # fmt: skip
    return render(
        request, "pages/queue.html", title="Inspection queue", active="queue", model=model,
        status=status, quick_outcomes=QUICK_OUTCOMES, can_record=_can_record(caller),
    )  # fmt: skip


def _can_record(caller: Caller) -> bool:
    """Whether the caller gets outcome buttons (the view refuses everyone else anyway)."""
    return caller.role in {"officer", "admin"}


def _outcome_from_form(form: dict[str, Any]) -> queue_views.OutcomeIn:
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()}
    try:
        return queue_views.OutcomeIn.model_validate(fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "outcome"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None


OUTCOME_FIELDS = (
    "positive", "result", "label", "goods_found", "brand", "units", "value", "currency", "notes",
)  # fmt: skip


@router.post("/queue/{task_id}/outcome")
async def record_outcome(
    request: Request,
    task_id: RowId,
    target_date: str = Form(""),
    back: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Record an outcome for task ``task_id``; htmx gets the updated row, a browser the queue."""
    form = await request.form()
    body = _outcome_from_form({k: form.get(k) for k in OUTCOME_FIELDS})
    outcome = queue_views.record_outcome(services, caller, task_id, body)
    if not wants_fragment(request):
        target = back if back.startswith("/queue") else "/queue"
        return RedirectResponse(target, status_code=303)
    task = _task_after(services, caller, task_id, target_date or None)
    return render(
        request, "partials/queue_row.html", title="Inspection queue", task=task,
        outcome=outcome, quick_outcomes=QUICK_OUTCOMES, can_record=_can_record(caller),
        model=None, back=back,
    )  # fmt: skip


def _task_after(
    services: Services, caller: Caller, task_id: int, target_date: str | None
) -> queue_views.QueueTask:
    """The task as the queue view now shows it (any status), for the row that replaces it."""
    page = queue_views.inspection_queue(services, caller, target_date=target_date, status=None)
    for task in page.tasks:
        if task.id == task_id:
            return task
    raise NotFoundError(f"no inspection task {task_id} on {target_date or 'the latest date'}")
