"""Listing risk and actions: ``/listings/score``, ``/listings/actions``, ``/listings/queue``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.views import listings, sellers
from ringfence.service.views.tablequery import table_query

router = APIRouter(tags=["listings"], responses=ERRORS)
Body = dict[str, Any]
ActionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/listings/score")
def listing_score(body: listings.ScoreIn, caller: CallerDep, services: ServicesDep) -> Body:
    """Score listings your marketplace is about to publish (seller, brand, GTIN, price)."""
    return listings.score(services, caller, body)


@router.post("/listings/actions", status_code=201)
def listing_act(body: listings.ActionIn, caller: CallerDep, services: ServicesDep) -> Body:
    """Hold a listing or a seller's stock of one product, take a listing down or suspend a
    seller: your marketplace's own, with a reason and an expiry (audited)."""
    return listings.act(services, caller, body)


@router.get("/listings/actions")
def listing_actions(
    caller: CallerDep,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Body:
    """Actions you may read (yours, and partners' shared with you), newest first."""
    return listings.list_actions(services, caller, limit)


@router.post("/listings/actions/{action_id}/release")
def listing_release(
    action_id: ActionId, body: listings.EndIn, caller: CallerDep, services: ServicesDep
) -> Body:
    """Release one of your holds before its expiry (audited)."""
    return listings.end(services, caller, action_id, "release", body)


@router.post("/listings/actions/{action_id}/reinstate")
def listing_reinstate(
    action_id: ActionId, body: listings.EndIn, caller: CallerDep, services: ServicesDep
) -> Body:
    """Reinstate one of your taken-down listings or suspended sellers (audited)."""
    return listings.end(services, caller, action_id, "reinstate", body)


@router.get("/listings/queue")
def listing_queue(
    caller: CallerDep,
    services: ServicesDep,
    review_date: Annotated[str | None, Query(max_length=10)] = None,
) -> Body:
    """Your analyst review queue (latest date by default), with how each listing was picked."""
    return listings.queue(services, caller, review_date)


@router.post("/listings/actions/{action_id}/undo")
def listing_undo(action_id: ActionId, caller: CallerDep, services: ServicesDep) -> Body:
    """Undo an action you took seconds ago (released or reinstated, audited as undone)."""
    return listings.undo(services, caller, action_id)


@router.get("/sellers/{seller}")
def seller_profile(
    request: Request,
    seller: Annotated[str, Path(min_length=1, max_length=200)],
    caller: CallerDep,
    services: ServicesDep,
) -> Body:
    """One of your marketplace's sellers: its risk and reasons, listings (``?q=&sort=&<column>=
    &page=``, as the list pages), actions and links."""
    query = table_query(request.query_params, sellers.COLUMNS)
    return sellers.seller_profile(services, caller, seller, query)
