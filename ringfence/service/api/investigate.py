"""Entity search, an entity's links and timeline, watched entities and their alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from ringfence.investigate.forms import model_from
from ringfence.investigate.search import SearchQuery, SearchResult, search
from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.context import ready
from ringfence.service.views import investigate

router = APIRouter(tags=["entities"], responses=ERRORS)
EntityId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[\w.:@#~-]+$")]
Json = dict[str, Any]


@router.get("/entities", response_model=SearchResult, response_model_by_alias=True)
async def entity_search(
    caller: CallerDep,
    services: ServicesDep,
    name: Annotated[str | None, Query(max_length=300)] = None,
    identifier: Annotated[str | None, Query(max_length=320)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    schema: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> SearchResult:
    """Entities you may read by name (typos and transliterations find them), identifier (phone,
    e-mail, registration or tax number, bank account), country and schema; best first."""
    query = model_from(
        SearchQuery, name=name, identifier=identifier, country=country, schema=schema, limit=limit
    )
    await ready(services, "screening_index", "entity_table")
    return await run_in_threadpool(search, services, caller, query)


@router.get("/entities/{entity_id}/links")
async def entity_links(entity_id: EntityId, caller: CallerDep, services: ServicesDep) -> Json:
    """What links to an entity (records, shipments, seizures, listings, sellers, actions, cases)
    as you may see it, and its timeline in date order."""
    return await run_in_threadpool(investigate.entity_links, services, caller, entity_id)


@router.get("/watches")
def watch_list(caller: CallerDep, services: ServicesDep) -> Json:
    """Your organisation's watched entities."""
    return investigate.list_watches(services, caller)


@router.post("/watches", status_code=201)
async def watch_add(body: investigate.WatchIn, caller: CallerDep, services: ServicesDep) -> Json:
    """Watch an entity you may read: something new linking to it raises an alert (audited)."""
    return await run_in_threadpool(investigate.add_watch, services, caller, body)


@router.delete("/watches/{entity_id}")
def watch_remove(entity_id: EntityId, caller: CallerDep, services: ServicesDep) -> Json:
    """Stop watching an entity (audited)."""
    return investigate.remove_watch(services, caller, entity_id)


@router.get("/alerts")
async def alert_list(
    caller: CallerDep, services: ServicesDep, unread: Annotated[bool, Query()] = False
) -> Json:
    """Your organisation's alerts, newest first (watches are checked first if data landed)."""
    return await run_in_threadpool(investigate.alerts, services, caller, unread)


@router.post("/alerts/read")
def alert_read(body: investigate.ReadIn, caller: CallerDep, services: ServicesDep) -> Json:
    """Mark your organisation's alerts read (``ids``; none given: all of them; audited)."""
    return investigate.mark_read(services, caller, body)
