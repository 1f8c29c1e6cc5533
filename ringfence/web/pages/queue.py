"""The officer's inspection queue: recording, changing and undoing outcomes in place.

Every write posts a small form: with htmx the response is the task's row, swapped in place;
without JavaScript the browser is sent back to the queue it came from (POST, redirect, GET).
A second outcome for a task that already has one (the queue open in two tabs) is refused with
409; htmx then swaps in the row as it now stands, saying who recorded what and when.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from ringfence.errors import ConflictError, NotFoundError, UserError
from ringfence.service.api.deps import RowId
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import outcome_changes
from ringfence.service.views import queue as queue_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.risk import picked_for_value
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

STATUSES = ("open", "done", "cancelled", "all")
# The results an officer records, with their sign and label; the first opens the seizure form.
RESULTS = (("seized", True, "Seized"), ("irregular", True, "Irregular"), ("clear", False, "Clear"))
POSITIVE = {result: positive for result, positive, _ in RESULTS}
OUTCOME_FIELDS = (
    "positive", "result", "label", "goods_found", "brand", "units", "value", "currency", "notes",
)  # fmt: skip


CONFLICT = "conflict"  # _row's notice for a refused second outcome, put in words there


def conflict_words(task: Any) -> str:
    """A refused second outcome in words: the shipment, what stands, who recorded it and when."""
    ref = (task.shipment or {}).get("tracking_number") or task.shipment_id
    standing = task.outcomes[0] if task.outcomes else None
    if standing is None:
        return f"Shipment {ref}: its task is already closed ({task.status})."
    at = standing.recorded_at
    now = datetime.now(UTC)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    when = at.strftime("%H:%M UTC" if at.date() == now.date() else "%Y-%m-%d %H:%M UTC")
    return (
        f"Shipment {ref} already recorded: {standing.result.capitalize()} — by "
        f"{standing.recorded_by} at {when}. Use Change… to correct it."
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
        status=status, results=RESULTS, can_record=_can_record(caller),
        brands=model.brands, other_brands=model.other_brands, value_currency=model.value_currency,
        for_value=picked_for_value(model.tasks),
    )  # fmt: skip


def _can_record(caller: Caller) -> bool:
    """Whether the caller gets outcome buttons (the view refuses everyone else anyway)."""
    return caller.role in {"officer", "admin"}


def _valid(model: type[BaseModel], form: dict[str, Any]) -> Any:
    """The form as ``model``: blank fields left out, ``positive`` from the result if absent."""
    fields: dict[str, Any] = {
        k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()
    }
    if "positive" not in fields and fields.get("result") in POSITIVE:
        fields["positive"] = POSITIVE[fields["result"]]
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "outcome"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None


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
    body = _valid(queue_views.OutcomeIn, {k: form.get(k) for k in OUTCOME_FIELDS})
    try:
        queue_views.record_outcome(services, caller, task_id, body)
    except ConflictError:
        if not wants_fragment(request):
            raise
        return _row(request, services, caller, task_id, target_date, back, CONFLICT, 409)
    return _after_write(request, services, caller, task_id, target_date, back)


@router.post("/queue/outcomes/{outcome_id}/change")
async def change_outcome(
    request: Request,
    outcome_id: RowId,
    task_id: int = Form(...),
    target_date: str = Form(""),
    back: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Correct a recorded outcome with a reason; htmx gets the task's row, a browser the queue."""
    form = await request.form()
    fields = {k: form.get(k) for k in (*OUTCOME_FIELDS, "reason") if k != "label"}
    body = _valid(outcome_changes.OutcomeChangeIn, fields)
    outcome_changes.change_outcome(services, caller, outcome_id, body)
    return _after_write(request, services, caller, task_id, target_date, back)


@router.post("/queue/outcomes/{outcome_id}/undo")
async def undo_outcome(
    request: Request,
    outcome_id: RowId,
    task_id: int = Form(...),
    target_date: str = Form(""),
    back: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Undo an outcome recorded seconds ago; the task is open again in the same row."""
    outcome_changes.undo_outcome(services, caller, outcome_id)
    return _after_write(request, services, caller, task_id, target_date, back)


def _after_write(
    request: Request, services: Services, caller: Caller, task_id: int, day: str, back: str
) -> Response:
    if not wants_fragment(request):
        return RedirectResponse(back if back.startswith("/queue") else "/queue", status_code=303)
    return _row(request, services, caller, task_id, day, back)


def _row(
    request: Request,
    services: Services,
    caller: Caller,
    task_id: int,
    target_date: str,
    back: str,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """The task's row as the queue view now shows it (any status)."""
    page = queue_views.inspection_queue(
        services, caller, target_date=target_date or None, status=None
    )
    task = next((t for t in page.tasks if t.id == task_id), None)
    if task is None:
        raise NotFoundError(f"no inspection task {task_id} on {target_date or 'the latest date'}")
    if notice == CONFLICT:
        notice = conflict_words(task)
    return render(
        request, "partials/queue_row.html", title="Inspection queue", task=task,
        results=RESULTS, can_record=_can_record(caller), brands=page.brands,
        other_brands=page.other_brands, value_currency=page.value_currency, back=back,
        notice=notice, status_code=status_code, for_value=picked_for_value(page.tasks),
    )  # fmt: skip
