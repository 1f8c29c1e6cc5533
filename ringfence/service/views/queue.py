"""The officer's inspection queue and recording what an inspection found."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from ringfence.errors import UserError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody
from ringfence.service.views.common import jsonable
from ringfence.service.views.reasons import gate as gate_reasons
from ringfence.service.views.seizures import all_seizures
from ringfence.store.operational.outcomes import UNDO_SECONDS
from ringfence.store.operational.tables import InspectionTask, RecordedOutcome, utcnow

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
    "quantity",
    "carrier",
    "tracking_number",
)


class TaskOutcome(BaseModel):
    """An outcome standing on a task: what was found, who recorded (or changed) it and when.

    ``undo_until`` is set while the caller, who recorded it, may still undo it.
    """

    id: int
    label: str
    positive: bool
    result: str
    details: dict[str, Any] = {}
    recorded_by: str
    recorded_at: datetime
    changed_by: str | None = None
    changed_at: datetime | None = None
    change_reason: str | None = None
    undo_until: datetime | None = None


class QueueTask(BaseModel):
    """One queued shipment with why it was picked, and the outcomes recorded on it."""

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
    outcomes: list[TaskOutcome] = []


class QueuePage(BaseModel):
    """The caller's queue for a date (default: the latest with tasks), port and status."""

    organisation: str
    target_date: str | None
    port: str | None
    status: str | None
    tasks: list[QueueTask]
    dates: list[str]
    ports: list[str]
    value_currency: str = Field(description="currency of every value at stake (the base currency)")
    brands: list[str] = Field(
        default=[], description="registered brands an officer picks from when recording a seizure"
    )
    other_brands: list[str] = Field(
        default=[],
        description="brands named by seizures the caller may read that are not registered "
        "(offered after the registered ones, marked as such)",
    )


# Bounds of what one inspection can find: larger numbers are typing mistakes or attacks, and
# beyond them the store's integers overflow (2**70 units) or JSON cannot hold them (1e309).
MAX_UNITS = 10**9
MAX_VALUE = 1e12


class OutcomeIn(RequestBody):
    """What an inspection found."""

    positive: bool
    result: Literal["clear", "seized", "irregular", "released", "not_found"]
    label: str | None = Field(default=None, max_length=64, description="default: the task's label")
    goods_found: str | None = Field(default=None, max_length=500)
    brand: str | None = Field(default=None, max_length=200)
    units: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    value: float | None = Field(default=None, ge=0, le=MAX_VALUE, allow_inf_nan=False)
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
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    undo_until: datetime | None = None


TASK_FIELDS = tuple(name for name in QueueTask.model_fields if name not in {"shipment", "outcomes"})


def task_model(
    task: InspectionTask,
    shipment: dict[str, Any] | None = None,
    outcomes: list[TaskOutcome] | None = None,
    *,
    reasons: dict[str, Any],
) -> QueueTask:
    """A stored task as the API shows it, with its stored reasons as the reader may see them
    (``views.reasons.gate``)."""
    fields = {name: getattr(task, name) for name in TASK_FIELDS} | {"reasons": reasons}
    return QueueTask(**fields, shipment=shipment, outcomes=outcomes or [])


def undo_until(outcome: RecordedOutcome, caller: Caller) -> datetime | None:
    """Until when the caller may undo ``outcome`` (None: not theirs, changed, or withdrawn)."""
    if outcome.recorded_by != caller.actor or outcome.changed_at or outcome.withdrawn_at:
        return None
    until = outcome.created_at + timedelta(seconds=UNDO_SECONDS)
    return until if until > utcnow() else None


def task_outcomes(
    services: Services, caller: Caller, tasks: list[InspectionTask]
) -> dict[int, list[TaskOutcome]]:
    """The standing outcomes of the caller's ``tasks``, through the policy gate."""
    stored = services.store.task_outcomes(caller.organisation, [t.id for t in tasks])
    rows = [
        {"id": o.id, "organisation": o.organisation, "task_id": tid, "outcome": o}
        for tid, outcomes in stored.items()
        for o in outcomes
    ]
    found: dict[int, list[TaskOutcome]] = {}
    for row in sharing.visible(services, caller, "recorded_outcomes", rows):
        o = row["outcome"]
        found.setdefault(row["task_id"], []).append(
            TaskOutcome(
                id=o.id, label=o.label, positive=o.positive, result=o.result,
                details=o.details or {}, recorded_by=o.recorded_by, recorded_at=o.created_at,
                changed_by=o.changed_by, changed_at=o.changed_at, change_reason=o.change_reason,
                undo_until=undo_until(o, caller),
            )
        )  # fmt: skip
    return found


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
    outcomes = task_outcomes(services, caller, [t for t in tasks if t.id in kept])
    tasks = [t for t in tasks if t.id in kept]
    policy = sharing.Policy.load(services, caller)
    shown = gate_reasons(services, caller, policy, [(t.shipment_id, t.reasons) for t in tasks])
    brands = seizure_brands(services, caller)
    return QueuePage(
        organisation=caller.organisation,
        target_date=chosen_date,
        port=port,
        status=status,
        tasks=[
            task_model(t, summaries.get(t.shipment_id), outcomes.get(t.id), reasons=r)
            for t, r in zip(tasks, shown, strict=True)
        ],
        dates=dates,
        ports=ports,
        value_currency=services.settings.base_currency,
        brands=brands,
        other_brands=unregistered_brands(services, caller, brands),
    )


def seizure_brands(services: Services, caller: Caller) -> list[str]:
    """The brand names a seizure may name: approved brand registrations (their registered
    spelling, not aliases), and the brands feed rows the caller may read; sorted
    case-insensitively, one spelling per name."""
    names = [
        registration.brand
        for registration in services.store.brand_registrations()
        if registration.approved_at is not None
    ]
    names += [
        str(row["name"]) for row in sharing.read(services, caller, "brands") if row.get("name")
    ]
    spelled: dict[str, str] = {}
    for name in names:
        spelled.setdefault(" ".join(name.split()).casefold(), " ".join(name.split()))
    return sorted(spelled.values(), key=str.casefold)


def unregistered_brands(services: Services, caller: Caller, registered: list[str]) -> list[str]:
    """Brands named by the seizures the caller may read (feeds and recorded outcomes) that are
    not among ``registered``: the names the dashboards already use, so an officer can pick
    them too; sorted case-insensitively, one spelling per name."""
    known = {" ".join(name.split()).casefold() for name in registered}
    spelled: dict[str, str] = {}
    for row in all_seizures(services, caller):
        name = " ".join(str(row.get("brand") or "").split())
        if name and name.casefold() not in known:
            spelled.setdefault(name.casefold(), name)
    return sorted(spelled.values(), key=str.casefold)


def _task_row(task: InspectionTask) -> dict[str, Any]:
    return {name: getattr(task, name) for name in TASK_FIELDS}


def record_outcome(services: Services, caller: Caller, task_id: int, body: OutcomeIn) -> OutcomeOut:
    """Record what the inspection of task ``task_id`` found (officers and admins; audited).

    A task takes one outcome per label: a second one is refused (409) naming who recorded the
    first and when; it can be changed with a reason instead (``outcome_changes``).
    """
    caller.require_role("officer", "admin")
    task = services.store.inspection_task(caller.organisation, task_id)
    label = outcome_label(task, body.label)
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
    return outcome_out(services.store.recorded_outcome(caller.organisation, outcome_id), caller)


def outcome_label(task: InspectionTask, wanted: str | None) -> str:
    """The label an outcome on ``task`` is recorded under: the task's own (by default) or one
    the model scored it for, matched ignoring case and spacing and stored as the task spells
    it — so ``Counterfeit `` cannot open a second outcome beside ``counterfeit``."""
    if wanted is None:
        return task.label
    known = {_folded(name): name for name in (task.label, *(task.reasons or {}))}
    if _folded(wanted) not in known:
        raise UserError(
            f"label {wanted[:64]!r} is not a label of this task; use one of: "
            + ", ".join(sorted(known.values()))
        )
    return known[_folded(wanted)]


def _folded(label: str) -> str:
    return " ".join(str(label).split()).casefold()


def outcome_out(outcome: RecordedOutcome, caller: Caller) -> OutcomeOut:
    """A stored outcome as the API answers a write."""
    return OutcomeOut(
        id=outcome.id,
        task_id=outcome.task_id or 0,
        shipment_id=outcome.shipment_id,
        label=outcome.label,
        positive=outcome.positive,
        result=outcome.result,
        recorded_by=outcome.recorded_by,
        recorded_at=outcome.created_at,
        undo_until=undo_until(outcome, caller),
    )
