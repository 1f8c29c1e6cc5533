"""The officer's inspection queue and recording what an inspection found."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import jsonable
from ringfence.store.operational.tables import InspectionTask

OUTCOME_RESULTS = ("clear", "seized", "irregular", "released", "not_found")
# Fields of a queued shipment worth a glance in the queue (when the policy allows them).
SUMMARY_FIELDS = (
    "id",
    "organisation",
    "source_key",
    "date",
    "origin_country",
    "port",
    "hs_code",
    "description",
    "declared_value",
    "currency",
    "weight_kg",
    "carrier",
    "tracking_number",
)


class QueueTask(BaseModel):
    """One queued shipment with why it was picked."""

    id: int
    organisation: str
    shipment_id: str
    target_date: str
    port: str | None
    rank: int
    label: str
    probability: float
    expected_value: float
    value_at_stake: float | None
    selected_by: str
    selection_probability: float
    reasons: dict[str, Any]
    model_version: str | None
    status: str
    created_at: datetime
    closed_at: datetime | None
    shipment: dict[str, Any] | None = None


class QueuePage(BaseModel):
    """The caller's queue for a date (default: the latest with tasks), port and status."""

    organisation: str
    target_date: str | None
    port: str | None
    status: str | None
    tasks: list[QueueTask]
    dates: list[str]
    ports: list[str]


class OutcomeIn(BaseModel):
    """What an inspection found."""

    positive: bool
    result: Literal["clear", "seized", "irregular", "released", "not_found"]
    label: str | None = Field(default=None, max_length=64, description="default: the task's label")
    goods_found: str | None = Field(default=None, max_length=500)
    brand: str | None = Field(default=None, max_length=200)
    units: int | None = Field(default=None, ge=0)
    value: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, max_length=3)
    notes: str | None = Field(default=None, max_length=2000)


class OutcomeOut(BaseModel):
    """The recorded outcome."""

    id: int
    task_id: int
    shipment_id: str
    label: str
    positive: bool
    result: str


def task_model(task: InspectionTask, shipment: dict[str, Any] | None = None) -> QueueTask:
    """A stored task as the API shows it."""
    fields = {name: getattr(task, name) for name in QueueTask.model_fields if name != "shipment"}
    return QueueTask(**fields, shipment=shipment)


def shipment_summaries(
    services: Services, caller: Caller, ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Short, policy-cut summaries of the shipments ``ids`` the caller may read."""
    if not ids:
        return {}
    rows = sharing.read(services, caller, "shipments", where=f"id IN {sharing.sql_list(ids)}")
    return {r["id"]: {k: v for k, v in jsonable(r).items() if k in SUMMARY_FIELDS} for r in rows}


def inspection_queue(
    services: Services,
    caller: Caller,
    target_date: str | None = None,
    port: str | None = None,
    status: str | None = "open",
) -> QueuePage:
    """The caller's organisation's tasks, riskiest first, each with its shipment summary."""
    store = services.store
    every = store.inspection_tasks(caller.organisation)
    dates = sorted({t.target_date for t in every}, reverse=True)
    ports = sorted({t.port for t in every if t.port})
    chosen_date = target_date or (dates[0] if dates else None)
    tasks = [
        t
        for t in every
        if t.target_date == chosen_date
        and (port is None or t.port == port)
        and (status is None or t.status == status)
    ]
    rows = sharing.visible(services, caller, "inspection_tasks", [_task_row(t) for t in tasks])
    kept = {r["id"] for r in rows}
    summaries = shipment_summaries(services, caller, [t.shipment_id for t in tasks])
    return QueuePage(
        organisation=caller.organisation,
        target_date=chosen_date,
        port=port,
        status=status,
        tasks=[task_model(t, summaries.get(t.shipment_id)) for t in tasks if t.id in kept],
        dates=dates,
        ports=ports,
    )


def _task_row(task: InspectionTask) -> dict[str, Any]:
    return {name: getattr(task, name) for name in QueueTask.model_fields if name != "shipment"}


def record_outcome(services: Services, caller: Caller, task_id: int, body: OutcomeIn) -> OutcomeOut:
    """Record what the inspection of task ``task_id`` found (officers and admins; audited)."""
    caller.require_role("officer", "admin")
    task = services.store.inspection_task(caller.organisation, task_id)
    label = body.label or task.label
    details = body.model_dump(exclude={"positive", "result", "label"}, exclude_none=True)
    outcome_id = services.store.record_outcome(
        caller.organisation,
        task.shipment_id,
        label=label,
        positive=body.positive,
        result=body.result,
        details=details,
        actor=caller.actor,
        task_id=task.id,
    )
    return OutcomeOut(
        id=outcome_id,
        task_id=task.id,
        shipment_id=task.shipment_id,
        label=label,
        positive=body.positive,
        result=body.result,
    )
