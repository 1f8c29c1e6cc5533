"""Recorded outcomes: recording one, refusing a contradicting second, changing with a reason, undo.

An inspection task takes one outcome per label. A second outcome for the same task and label is
refused with a ``ConflictError`` that says who recorded the first one and when (two officers with
the queue open in two tabs must not both close one task with contradicting results); the way to
correct a recorded outcome is ``change_outcome``, which needs a reason and keeps the previous
values in the audit log. ``undo_outcome`` withdraws an outcome its recorder made a few seconds
ago (a mis-click) and reopens the task; the withdrawn row stays in the store, out of every list.

Each step is audited in the same transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.errors import ConflictError, ForbiddenError, NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.tables import InspectionTask, RecordedOutcome, utcnow

UNDO_SECONDS = 10
MAX_REASON = 500


def when_text(moment: datetime) -> str:
    """A stored time as people read it in a message (UTC, seconds)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def task_of(
    session: Session, organisation: str, task_id: int, *, lock: bool = False
) -> InspectionTask:
    """The task ``task_id`` of ``organisation`` (locked for update with ``lock``).

    Another organisation's task is reported exactly like a missing one: no existence leak.
    """
    query = select(InspectionTask).where(InspectionTask.id == task_id)
    task = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if task is None or task.organisation != organisation:
        raise NotFoundError(f"no inspection task {task_id} in organisation {organisation!r}")
    return task


def _active(task_id: int) -> Any:
    return (RecordedOutcome.task_id == task_id) & RecordedOutcome.withdrawn_at.is_(None)


def _close_task(
    session: Session, organisation: str, task_id: int, shipment_id: str, label: str
) -> None:
    task = task_of(session, organisation, task_id, lock=True)
    if task.shipment_id != shipment_id:
        raise UserError(
            f"inspection task {task_id} is for shipment {task.shipment_id!r}, not {shipment_id!r}"
        )
    if task.status == "cancelled":
        raise ConflictError(f"inspection task {task_id} was cancelled; it takes no outcome")
    first = session.scalars(
        select(RecordedOutcome).where(_active(task_id) & (RecordedOutcome.label == label))
    ).first()
    if first is not None:
        raise ConflictError(
            f"inspection task {task_id} already has a {label!r} outcome: {first.result}, "
            f"recorded by {first.recorded_by} at {when_text(first.created_at)}; "
            "change that outcome (with a reason) instead of recording a second one"
        )
    if task.status == "open":
        task.status, task.closed_at = "done", utcnow()


def _check_reason(reason: str) -> str:
    text = " ".join(str(reason or "").split())
    if len(text) < 3:
        raise UserError("a changed outcome needs a reason (a few words: what was wrong)")
    if len(text) > MAX_REASON:
        raise UserError(f"the reason is at most {MAX_REASON} characters, not {len(text)}")
    return text


class OutcomeStore(StoreBase):
    """What inspections found, against the tasks they close."""

    def record_outcome(
        self,
        organisation: str,
        shipment_id: str,
        *,
        label: str,
        positive: bool,
        result: str,
        details: dict[str, Any],
        actor: str,
        task_id: int | None = None,
    ) -> int:
        """Store what an inspection found and return the outcome's id.

        With ``task_id`` (a task of this organisation for this shipment) the task is closed as
        done in the same transaction. A task takes one outcome per label: a second one for the
        same label is a ``ConflictError`` naming who recorded the first and when. A cancelled
        task takes no outcome. The outcome is audited in the same transaction.
        """
        if not label:
            raise UserError("an outcome needs a label")
        with self._transaction(f"recording an outcome for {shipment_id!r}") as session:
            require_organisation(session, organisation)
            if task_id is not None:
                _close_task(session, organisation, task_id, shipment_id, label)
            outcome = RecordedOutcome(
                organisation=organisation,
                shipment_id=shipment_id,
                label=label,
                positive=bool(positive),
                result=result,
                details=details,
                recorded_by=actor,
                task_id=task_id,
            )
            session.add(outcome)
            session.flush()
            audit_chain.append_entry(
                session,
                "outcome.record",
                actor,
                organisation,
                {
                    "outcome_id": outcome.id,
                    "shipment_id": shipment_id,
                    "label": label,
                    "positive": bool(positive),
                    "result": result,
                    "task_id": task_id,
                },
            )
            return outcome.id

    def change_outcome(
        self,
        organisation: str,
        outcome_id: int,
        *,
        positive: bool,
        result: str,
        details: dict[str, Any],
        reason: str,
        actor: str,
    ) -> RecordedOutcome:
        """Correct a recorded outcome; ``reason`` is required and audited with the old values."""
        why = _check_reason(reason)
        with self._transaction(f"changing outcome {outcome_id}") as session:
            outcome = _outcome_of(session, organisation, outcome_id)
            before = {"positive": outcome.positive, "result": outcome.result}
            before["details"] = dict(outcome.details or {})
            outcome.positive, outcome.result, outcome.details = bool(positive), result, details
            outcome.changed_at, outcome.changed_by, outcome.change_reason = utcnow(), actor, why
            audit_chain.append_entry(
                session,
                "outcome.change",
                actor,
                organisation,
                {
                    "outcome_id": outcome.id,
                    "task_id": outcome.task_id,
                    "shipment_id": outcome.shipment_id,
                    "reason": why,
                    "before": before,
                    "after": {"positive": bool(positive), "result": result, "details": details},
                },
            )
            return outcome

    def undo_outcome(
        self,
        organisation: str,
        outcome_id: int,
        *,
        actor: str,
        seconds: float = UNDO_SECONDS,
        now: datetime | None = None,
    ) -> RecordedOutcome:
        """Withdraw an outcome ``actor`` recorded less than ``seconds`` ago; reopen its task.

        Only the recorder may undo, only in that window, and not once it has been changed; after
        that an outcome is corrected with ``change_outcome``. Audited as ``outcome.undo``.
        """
        moment = now or utcnow()
        with self._transaction(f"undoing outcome {outcome_id}") as session:
            outcome = _outcome_of(session, organisation, outcome_id)
            if outcome.recorded_by != actor:
                raise ForbiddenError(
                    f"outcome {outcome_id} was recorded by {outcome.recorded_by}; only they may "
                    "undo it (anyone may change it, with a reason)"
                )
            if outcome.changed_at is not None or moment - outcome.created_at > timedelta(
                seconds=seconds
            ):
                raise ConflictError(
                    f"outcome {outcome_id} can no longer be undone (recorded at "
                    f"{when_text(outcome.created_at)}; undo is possible for {seconds:g} s); "
                    "change it with a reason instead"
                )
            outcome.withdrawn_at, outcome.withdrawn_by = moment, actor
            if outcome.task_id is not None:
                task = task_of(session, organisation, outcome.task_id, lock=True)
                others = session.scalars(
                    select(RecordedOutcome.id).where(
                        _active(task.id) & (RecordedOutcome.id != outcome.id)
                    )
                ).first()
                if others is None and task.status == "done":
                    task.status, task.closed_at = "open", None
            audit_chain.append_entry(
                session,
                "outcome.undo",
                actor,
                organisation,
                {
                    "outcome_id": outcome.id,
                    "task_id": outcome.task_id,
                    "shipment_id": outcome.shipment_id,
                    "result": outcome.result,
                },
            )
            return outcome

    def recorded_outcome(self, organisation: str, outcome_id: int) -> RecordedOutcome:
        """One outcome of ``organisation`` (withdrawn ones too); ``NotFoundError`` otherwise."""
        with self._transaction(f"reading outcome {outcome_id}") as session:
            return _outcome_of(session, organisation, outcome_id, withdrawn_too=True)

    def task_outcomes(
        self, organisation: str, task_ids: Iterable[int]
    ) -> dict[int, list[RecordedOutcome]]:
        """The standing (not withdrawn) outcomes of these tasks, oldest first."""
        wanted = sorted(set(task_ids))
        if not wanted:
            return {}
        query = (
            select(RecordedOutcome)
            .where(
                (RecordedOutcome.organisation == organisation)
                & RecordedOutcome.task_id.in_(wanted)
                & RecordedOutcome.withdrawn_at.is_(None)
            )
            .order_by(RecordedOutcome.id)
        )
        found: dict[int, list[RecordedOutcome]] = {}
        with self._transaction("reading the outcomes of inspection tasks") as session:
            for outcome in session.scalars(query):
                found.setdefault(int(outcome.task_id or 0), []).append(outcome)
        return found

    def recorded_outcomes(
        self,
        organisation: str | None = None,
        *,
        shipment_id: str | None = None,
        limit: int | None = None,
        include_withdrawn: bool = False,
    ) -> list[RecordedOutcome]:
        """Recorded outcomes, newest first, optionally of one organisation or shipment.

        Withdrawn (undone) outcomes are left out unless ``include_withdrawn``.
        """
        query = select(RecordedOutcome).order_by(RecordedOutcome.id.desc())
        if not include_withdrawn:
            query = query.where(RecordedOutcome.withdrawn_at.is_(None))
        if organisation is not None:
            query = query.where(RecordedOutcome.organisation == organisation)
        if shipment_id is not None:
            query = query.where(RecordedOutcome.shipment_id == shipment_id)
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("listing recorded outcomes") as session:
            return list(session.scalars(query))


def _outcome_of(
    session: Session, organisation: str, outcome_id: int, *, withdrawn_too: bool = False
) -> RecordedOutcome:
    outcome = session.get(RecordedOutcome, outcome_id, with_for_update=True)
    if outcome is None or outcome.organisation != organisation:
        raise NotFoundError(f"no recorded outcome {outcome_id} in organisation {organisation!r}")
    if outcome.withdrawn_at is not None and not withdrawn_too:
        raise ConflictError(
            f"outcome {outcome_id} was undone by {outcome.withdrawn_by} at "
            f"{when_text(outcome.withdrawn_at)}"
        )
    return outcome
