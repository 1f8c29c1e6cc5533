"""Screening, scoring, shipments, the queue and entity profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.context import ready
from ringfence.service.views import entities, outcome_changes, queue, screening, shipments
from ringfence.service.views.outcome_changes import OutcomeChangeIn
from ringfence.service.views.queue import OutcomeIn, OutcomeOut, QueuePage
from ringfence.service.views.screening import ScreenRequest, ScreenResponse
from ringfence.service.views.shipments import ScoreRequest, ScoreResponse, ShipmentDetail

router = APIRouter(responses=ERRORS)
Id = Annotated[str, Path(min_length=1, max_length=200)]


# Screening and scoring one shipment take a few milliseconds of CPU once the indexes are built:
# run on the event loop rather than hop to a worker thread, which under load only adds GIL
# contention and latency. Building the indexes (after new data lands) and scoring a batch take
# seconds or more: in a worker thread, so the server keeps answering meanwhile (red team F4).
SCREEN_NEEDS = ("screening_index", "entity_owners", "entity_table")
SCORE_NEEDS = ("scorer", "shipment_owners", "network", "network_risk", "entity_table", "risk_table")


@router.post("/screen", response_model=ScreenResponse, tags=["screening"])
async def screen(body: ScreenRequest, caller: CallerDep, services: ServicesDep) -> ScreenResponse:
    """Screen a party against resolved entities and the watchlist (entities you may read)."""
    await ready(services, *SCREEN_NEEDS)
    return screening.screen(services, caller, body)


@router.post("/score", response_model=ScoreResponse, tags=["shipments"])
async def score(body: ScoreRequest, caller: CallerDep, services: ServicesDep) -> ScoreResponse:
    """Risk scores and reasons for one shipment or a batch (shipments you may read)."""
    await ready(services, *SCORE_NEEDS)
    if len(body.shipment_ids) > 1:
        return await run_in_threadpool(shipments.score, services, caller, body)
    return shipments.score(services, caller, body)


@router.get("/shipments/{shipment_id}", response_model=ShipmentDetail, tags=["shipments"])
def shipment(shipment_id: Id, caller: CallerDep, services: ServicesDep) -> ShipmentDetail:
    """A shipment with its parties, score, outcomes and tasks, as far as you may see."""
    return shipments.shipment_detail(services, caller, shipment_id)


@router.get("/queue", response_model=QueuePage, tags=["queue"])
def inspection_queue(
    caller: CallerDep,
    services: ServicesDep,
    target_date: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    port: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str, Query(pattern="^(open|done|cancelled|all)$")] = "open",
) -> QueuePage:
    """Your organisation's inspection queue for a date (default: the latest); status ``all``
    lists every task of the date."""
    wanted = None if status == "all" else status
    return queue.inspection_queue(services, caller, target_date, port, wanted)


@router.post("/queue/{task_id}/outcome", response_model=OutcomeOut, status_code=201, tags=["queue"])
def record_outcome(
    task_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: OutcomeIn,
    caller: CallerDep,
    services: ServicesDep,
) -> OutcomeOut:
    """Record what inspecting a queued shipment found (officers and admins; audited).

    A task takes one outcome per label: a second one is refused with 409, naming who recorded
    the first and when."""
    return queue.record_outcome(services, caller, task_id, body)


OutcomeId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/outcomes/{outcome_id}/change", response_model=OutcomeOut, tags=["queue"])
def change_outcome(
    outcome_id: OutcomeId, body: OutcomeChangeIn, caller: CallerDep, services: ServicesDep
) -> OutcomeOut:
    """Correct a recorded outcome, with a reason (officers and admins; audited with the old
    values). An outcome already copied into the lake as a label is refused with 409."""
    return outcome_changes.change_outcome(services, caller, outcome_id, body)


@router.post("/outcomes/{outcome_id}/undo", response_model=OutcomeOut, tags=["queue"])
def undo_outcome(outcome_id: OutcomeId, caller: CallerDep, services: ServicesDep) -> OutcomeOut:
    """Withdraw an outcome you recorded less than 10 seconds ago; its task is open again
    (audited). Later, or someone else's: 409 / 403 — change it with a reason instead."""
    return outcome_changes.undo_outcome(services, caller, outcome_id)


@router.get("/entities/{entity_id}", response_model=entities.EntityProfile, tags=["entities"])
def entity(
    entity_id: Id,
    caller: CallerDep,
    services: ServicesDep,
    hops: Annotated[int, Query(ge=1, le=4)] = 2,
) -> entities.EntityProfile:
    """An entity's profile, its network within ``hops`` and its path to a seed."""
    return entities.entity_profile(services, caller, entity_id, hops)
