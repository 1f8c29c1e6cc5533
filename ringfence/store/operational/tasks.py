"""Inspection tasks (the officers' queue) and the outcomes recorded against them.

A targeting run writes one day's queue for an organisation with ``write_inspection_tasks``; a
re-run replaces the tasks still open and keeps those already done (or cancelled), so an officer's
work is never lost. Recording what an inspection found closes its task in the same transaction as
the audit entry (``outcomes.OutcomeStore``), so the queue, the outcomes and the audit log agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select

from ringfence.errors import UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.base import require_organisation
from ringfence.store.operational.outcomes import OutcomeStore, task_of
from ringfence.store.operational.tables import (
    SELECTION_KINDS,
    TASK_STATUSES,
    InspectionTask,
)


@dataclass(frozen=True)
class InspectionTaskDraft:
    """One shipment a targeting run picked, before it is stored as an ``InspectionTask``.

    ``selection_probability`` is the chance the selector had of picking the shipment: 1.0 for
    the exploited top of the ranking, the sampling scheme's inclusion probability for an
    exploration draw. ``reasons`` is the JSON-ready explanation shown to the officer.
    ``draw``/``draw_population``: an exploration pick's draw and how many shipments it chose
    from (``InspectionTask``).
    """

    shipment_id: str
    rank: int
    label: str
    probability: float
    expected_value: float
    selected_by: str
    selection_probability: float
    reasons: dict[str, Any] = field(default_factory=dict)
    port: str | None = None
    value_at_stake: float | None = None
    model_version: str | None = None
    draw: str | None = None
    draw_population: int | None = None

    def check(self) -> None:
        """Raise ``UserError`` naming the first field that cannot be stored."""
        if not self.shipment_id:
            raise UserError("inspection task: shipment_id is empty")
        if self.selected_by not in SELECTION_KINDS:
            raise UserError(
                f"inspection task for {self.shipment_id!r}: selected_by {self.selected_by!r} "
                f"is not one of {SELECTION_KINDS}"
            )
        if not 0.0 < self.selection_probability <= 1.0:
            raise UserError(
                f"inspection task for {self.shipment_id!r}: selection_probability "
                f"{self.selection_probability} is not in (0, 1]"
            )
        if self.draw_population is not None and self.draw_population < 1:
            raise UserError(
                f"inspection task for {self.shipment_id!r}: draw_population "
                f"{self.draw_population} is not a positive count"
            )
        if self.draw is not None and len(self.draw) > 100:
            raise UserError(f"inspection task for {self.shipment_id!r}: draw name too long")
        if not 0.0 <= self.probability <= 1.0:
            raise UserError(
                f"inspection task for {self.shipment_id!r}: probability {self.probability} "
                "is not in [0, 1]"
            )


def check_target_date(target_date: str) -> str:
    """``target_date`` if it is an ISO date (YYYY-MM-DD); ``UserError`` otherwise."""
    try:
        parsed = date.fromisoformat(target_date)
    except (TypeError, ValueError):
        raise UserError(f"target date {target_date!r} is not a date (YYYY-MM-DD)") from None
    if parsed.isoformat() != target_date:
        raise UserError(f"target date {target_date!r} is not written as YYYY-MM-DD")
    return target_date


def _check_drafts(tasks: Sequence[InspectionTaskDraft]) -> None:
    seen: set[str] = set()
    for task in tasks:
        task.check()
        if task.shipment_id in seen:
            raise UserError(f"shipment {task.shipment_id!r} appears twice in the inspection list")
        seen.add(task.shipment_id)


class TaskStore(OutcomeStore):
    """Inspection tasks (the officers' queue) and the outcomes recorded against them."""

    def write_inspection_tasks(
        self,
        organisation: str,
        target_date: str,
        tasks: Sequence[InspectionTaskDraft],
        actor: str,
    ) -> list[int]:
        """Store one day's inspection list for ``organisation``; return the new tasks' ids.

        The organisation's still-open tasks for ``target_date`` are replaced; done and cancelled
        ones are kept, and a draft for a shipment that already has such a task that day is skipped
        (it was inspected or deliberately dropped), so the ids returned are those of the tasks
        written, in draft order. One audit entry records the run.
        """
        check_target_date(target_date)
        _check_drafts(tasks)
        with self._transaction(f"writing inspection tasks for {target_date}") as session:
            require_organisation(session, organisation)
            same_day = (InspectionTask.organisation == organisation) & (
                InspectionTask.target_date == target_date
            )
            still_open = same_day & (InspectionTask.status == "open")
            replaced = len(session.scalars(select(InspectionTask.id).where(still_open)).all())
            session.execute(delete(InspectionTask).where(still_open))
            kept = set(session.scalars(select(InspectionTask.shipment_id).where(same_day)))
            written = [
                _new_task(organisation, target_date, draft, actor)
                for draft in tasks
                if draft.shipment_id not in kept
            ]
            session.add_all(written)
            session.flush()
            audit_chain.append_entry(
                session,
                "inspection_tasks.write",
                actor,
                organisation,
                {
                    "target_date": target_date,
                    "written": len(written),
                    "replaced_open": replaced,
                    "skipped_closed": sorted(kept & {draft.shipment_id for draft in tasks}),
                    "explore": sum(task.selected_by == "explore" for task in written),
                },
            )
            return [task.id for task in written]

    def inspection_tasks(
        self,
        organisation: str,
        *,
        target_date: str | None = None,
        status: str | None = None,
        port: str | None = None,
        limit: int | None = None,
    ) -> list[InspectionTask]:
        """The organisation's tasks, newest date first and by rank within a date."""
        query = select(InspectionTask).where(InspectionTask.organisation == organisation)
        if target_date is not None:
            query = query.where(InspectionTask.target_date == check_target_date(target_date))
        if status is not None:
            if status not in TASK_STATUSES:
                raise UserError(f"unknown task status {status!r}; use one of {TASK_STATUSES}")
            query = query.where(InspectionTask.status == status)
        if port is not None:
            query = query.where(InspectionTask.port == port)
        query = query.order_by(
            InspectionTask.target_date.desc(), InspectionTask.rank, InspectionTask.id
        )
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("listing inspection tasks") as session:
            return list(session.scalars(query))

    def inspection_task(self, organisation: str, task_id: int) -> InspectionTask:
        """One task of ``organisation``; ``NotFoundError`` if absent or another's."""
        with self._transaction(f"reading inspection task {task_id}") as session:
            return task_of(session, organisation, task_id)

    def selection_probabilities(self) -> dict[str, float]:
        """Per shipment ever queued (cancelled tasks aside), the recorded chance it had of being
        picked; the largest when it was queued on several days. Training weights its labels by
        the inverse (shipments never queued were picked by other means and weigh 1)."""
        query = (
            select(InspectionTask.shipment_id, func.max(InspectionTask.selection_probability))
            .where(InspectionTask.status != "cancelled")
            .group_by(InspectionTask.shipment_id)
        )
        with self._transaction("reading selection probabilities") as session:
            return {shipment: float(p) for shipment, p in session.execute(query)}

    def selection_draws(self) -> dict[str, tuple[float, str, int]]:
        """Per shipment an exploration draw picked (cancelled tasks aside): its chance, the draw
        and the draw's population; where several draws picked it, the one with the largest
        chance (as ``selection_probabilities``). Tasks stored without a draw are left out."""
        query = (
            select(
                InspectionTask.shipment_id,
                InspectionTask.selection_probability,
                InspectionTask.draw,
                InspectionTask.draw_population,
            )
            .where(InspectionTask.status != "cancelled")
            .where(InspectionTask.draw.is_not(None))
            .where(InspectionTask.draw_population.is_not(None))
            .order_by(InspectionTask.id)
        )
        out: dict[str, tuple[float, str, int]] = {}
        with self._transaction("reading exploration draws") as session:
            for shipment, p, draw, population in session.execute(query):
                if population is not None and (shipment not in out or p > out[shipment][0]):
                    out[shipment] = (float(p), str(draw), int(population))
        return out

    def task_dates(self, task_ids: Iterable[int]) -> dict[int, str]:
        """The target date of each of these tasks (the day its inspection happened)."""
        wanted = sorted(set(task_ids))
        if not wanted:
            return {}
        query = select(InspectionTask.id, InspectionTask.target_date).where(
            InspectionTask.id.in_(wanted)
        )
        with self._transaction("reading inspection task dates") as session:
            return {task_id: day for task_id, day in session.execute(query)}


def _new_task(
    organisation: str, target_date: str, draft: InspectionTaskDraft, actor: str
) -> InspectionTask:
    return InspectionTask(
        organisation=organisation,
        target_date=target_date,
        shipment_id=draft.shipment_id,
        port=draft.port,
        rank=draft.rank,
        label=draft.label,
        probability=float(draft.probability),
        value_at_stake=None if draft.value_at_stake is None else float(draft.value_at_stake),
        expected_value=float(draft.expected_value),
        selected_by=draft.selected_by,
        selection_probability=float(draft.selection_probability),
        draw=draft.draw,
        draw_population=draft.draw_population,
        reasons=draft.reasons,
        model_version=draft.model_version,
        status="open",
        created_by=actor,
    )
