"""Shipment detail (fields the policy allows, parties, scores, outcomes) and scoring."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from ringfence.errors import NotFoundError, UserError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views import reasons
from ringfence.service.views.body import RequestBody
from ringfence.service.views.common import jsonable
from ringfence.service.views.queue import QueueTask, task_model
from ringfence.service.views.seizures import recorded_rows

PARTY_ROLES = ("shipper", "consignee", "importer", "declarant", "seller", "courier")
MAX_BATCH = 500


class PartyLink(BaseModel):
    """A party named on the shipment and the resolved entity it belongs to."""

    role: str
    mention_id: str
    name: str | None = None
    country: str | None = None
    entity_id: str | None = None


class ScoreResult(BaseModel):
    """Scores per label, with the reasons behind each."""

    id: str
    source_key: str | None = None
    scores: dict[str, float]
    reasons: dict[str, list[Any]] = {}
    model_version: str | None = None


class ScoreRequest(RequestBody):
    """Shipments to score, by id (one or a batch of up to 500)."""

    shipment_ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _no_blank_ids(self) -> ScoreRequest:
        if any(not i.strip() for i in self.shipment_ids):
            raise ValueError("shipment ids must not be blank")
        return self


class ScoreResponse(BaseModel):
    """One result per requested shipment, in request order."""

    results: list[ScoreResult]


class ShipmentDetail(BaseModel):
    """Everything the caller may see about one shipment."""

    shipment: dict[str, Any]
    parties: list[PartyLink]
    score: ScoreResult | None
    outcomes: list[dict[str, Any]]
    tasks: list[QueueTask]


def readable_shipments(services: Services, caller: Caller, ids: list[str]) -> set[str]:
    """Which of ``ids`` the caller may read.

    The fast path (scoring one shipment must take milliseconds) asks the policy about rows made
    of the in-memory id → owner index; when a grant on shipments filters rows, the policy needs
    whole rows, so they are read from the lake instead.
    """
    return _readable(services, caller, sharing.Policy.load(services, caller), ids)


def _readable(
    services: Services, caller: Caller, policy: sharing.Policy, ids: list[str]
) -> set[str]:
    if policy.filters_rows("shipments"):
        where = f"id IN {sharing.sql_list(ids)}"
        rows = sharing.read(services, caller, "shipments", where=where, policy=policy)
    else:
        owners = services.shipment_owners()
        rows = policy.visible(
            "shipments", [{"id": i, "organisation": owners[i]} for i in ids if i in owners]
        )
    return {r["id"] for r in rows}


def score(services: Services, caller: Caller, body: ScoreRequest) -> ScoreResponse:
    """Score shipments the caller may read; any other id is reported as not found."""
    ids = list(dict.fromkeys(body.shipment_ids))
    policy = sharing.Policy.load(services, caller)
    readable = _readable(services, caller, policy, ids)
    missing = [i for i in ids if i not in readable]
    if missing:
        raise NotFoundError(f"no shipment {missing[0]!r} that you may read")
    scored = _gated(services, caller, policy, _score_ids(services, ids))
    return ScoreResponse(results=[scored[i] for i in body.shipment_ids])


def _score_ids(services: Services, ids: list[str]) -> dict[str, ScoreResult]:
    scorer = services.scorer()
    if scorer is not None:
        rows = scorer.score_ids(ids)
    else:  # until the online scorer lands: the batch path (slow, but the same shape)
        from ringfence.score.serve import score_shipments

        try:
            rows = score_shipments(services.settings, shipment_ids=ids)
        except NotFoundError as exc:
            raise UserError(f"scoring is not available yet: {exc.message}") from None
    return {r["id"]: ScoreResult(**r) for r in rows}


def _gated(
    services: Services, caller: Caller, policy: sharing.Policy, scored: dict[str, ScoreResult]
) -> dict[str, ScoreResult]:
    """Scores with their reasons as the caller may see them (``reasons.gate``)."""
    shown = reasons.gate(services, caller, policy, [(i, r.reasons) for i, r in scored.items()])
    return {
        i: r.model_copy(update={"reasons": gated})
        for (i, r), gated in zip(scored.items(), shown, strict=True)
    }


def shipment_detail(services: Services, caller: Caller, shipment_id: str) -> ShipmentDetail:
    """The shipment with its parties, score, outcomes and tasks, as far as the caller may see."""
    policy = sharing.Policy.load(services, caller)
    found = sharing.read(
        services, caller, "shipments", where=f"id = {sharing.sql_text(shipment_id)}", policy=policy
    )
    if not found:
        raise NotFoundError(f"no shipment {shipment_id!r} that you may read")
    shipment = found[0]
    parties = _parties(services, caller, shipment, policy)
    outcomes = sharing.read(
        services,
        caller,
        "outcomes",
        where=f"shipment_ref = {sharing.sql_text(shipment_id)}",
        policy=policy,
    )
    recorded = services.store.recorded_outcomes(shipment_id=shipment_id)
    outcomes += policy.visible("recorded_outcomes", recorded_rows(services, recorded))
    tasks = [
        t
        for t in services.store.inspection_tasks(caller.organisation)
        if t.shipment_id == shipment_id
    ]
    try:
        scored = _score_ids(services, [shipment_id]).get(shipment_id)
    except UserError:
        scored = None
    # One gate for the score's and the tasks' reasons: each party's path is rebuilt once.
    items: list[tuple[str, reasons.Reasons]] = [(t.shipment_id, t.reasons) for t in tasks]
    if scored is not None:
        items.append((shipment_id, scored.reasons))
    shown = reasons.gate(services, caller, policy, items)
    if scored is not None:
        scored = scored.model_copy(update={"reasons": shown.pop()})
    return ShipmentDetail(
        shipment=jsonable(shipment),
        parties=parties,
        score=scored,
        outcomes=[jsonable(o) for o in outcomes],
        tasks=[task_model(t, reasons=r) for t, r in zip(tasks, shown, strict=True)],
    )


def _parties(
    services: Services, caller: Caller, shipment: dict[str, Any], policy: sharing.Policy
) -> list[PartyLink]:
    refs = {role: shipment.get(f"{role}_ref") for role in PARTY_ROLES}
    ids = [r for r in refs.values() if r]
    if not ids:
        return []
    where = f"id IN {sharing.sql_list(ids)}"
    parties = {
        p["id"]: p for p in sharing.read(services, caller, "parties", where=where, policy=policy)
    }
    entity_of = {
        m["mention_id"]: m["entity_id"]
        for m in sharing.query_lake(
            services,
            ("entity_mentions",),
            "SELECT mention_id, entity_id FROM entity_mentions "
            f"WHERE mention_id IN {sharing.sql_list(ids)}",
        )
    }
    links = []
    for role, ref in refs.items():
        if ref and ref in parties:
            party = parties[ref]
            links.append(
                PartyLink(
                    role=role,
                    mention_id=ref,
                    name=party.get("name"),
                    country=party.get("country"),
                    entity_id=entity_of.get(ref),
                )
            )
    return links
