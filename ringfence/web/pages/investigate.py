"""The investigator's pages: entity search, alerts and watches, and opening a case from an
entity, a seizure or a network expansion.

JSON twins: ``/entities`` ↔ ``GET /api/v1/entities`` (same query string), ``/alerts`` ↔
``GET /api/v1/alerts``. Forms post here and come back (303), so a refresh never re-submits.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ringfence.errors import NotFoundError, UserError
from ringfence.investigate.forms import model_from
from ringfence.investigate.search import SearchQuery, search
from ringfence.model.records.parties import PARTY_SCHEMAS
from ringfence.service.context import Caller, Services, get_services, ready
from ringfence.service.views import cases, investigate
from ringfence.service.views.seizures import all_seizures
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
CallerPage = Annotated[Caller, Depends(page_caller)]
ServicesPage = Annotated[Services, Depends(get_services)]
EntityId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[\w.:@#~-]+$")]
SEARCH_FIELDS = ("name", "identifier", "country", "schema")


@router.get("/entities")
async def search_page(request: Request, caller: CallerPage, services: ServicesPage) -> Response:
    """The search form, and the entities found when something was asked."""
    given = {f: request.query_params.get(f, "").strip() for f in SEARCH_FIELDS}
    result = None
    if any(given.values()):
        query = model_from(SearchQuery, **given)
        await ready(services, "screening_index", "entity_table")
        result = await run_in_threadpool(search, services, caller, query)
    return render(
        request, "pages/entities.html", title="Entities", active="entities", result=result,
        query=given, schemas=PARTY_SCHEMAS,
    )  # fmt: skip


@router.get("/alerts")
async def alerts_page(request: Request, caller: CallerPage, services: ServicesPage) -> Response:
    """New links to the organisation's watched entities, and the watches."""
    model = await run_in_threadpool(investigate.alerts, services, caller)
    watches = await run_in_threadpool(investigate.list_watches, services, caller)
    request.state.web_alerts = model["unread"]
    return render(
        request, "pages/alerts.html", title="Alerts", active="alerts", model=model,
        watches=watches["watches"], can_watch=caller.role in investigate.WATCH_ROLES,
    )  # fmt: skip


@router.post("/alerts/read")
async def alerts_read(
    caller: CallerPage,
    services: ServicesPage,
    alert: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """Mark one alert (or every unread one) read."""
    body = investigate.ReadIn(ids=[alert] if alert is not None else None)
    investigate.mark_read(services, caller, body)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/watches")
async def watch_add(
    caller: CallerPage,
    services: ServicesPage,
    entity_id: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Watch an entity, and go back to it."""
    body = model_from(investigate.WatchIn, entity_id=entity_id, note=note)
    await run_in_threadpool(investigate.add_watch, services, caller, body)
    return RedirectResponse(f"/entities/{body.entity_id}#watch", status_code=303)


@router.post("/watches/{entity_id}/remove")
async def watch_remove(entity_id: EntityId, caller: CallerPage, services: ServicesPage) -> Response:
    """Stop watching an entity, and go back to it."""
    investigate.remove_watch(services, caller, entity_id)
    return RedirectResponse(f"/entities/{entity_id}#watch", status_code=303)


@router.post("/cases/from")
async def case_from(
    caller: CallerPage,
    services: ServicesPage,
    case: Annotated[str, Form(max_length=40)] = "new",
    title: Annotated[str, Form(max_length=300)] = "",
    entity: Annotated[str, Form(max_length=64)] = "",
    hops: Annotated[int | None, Form(ge=1, le=4)] = None,
    seizure: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Open a case (``case`` "new", with ``title``) or pick an own case, and add an entity,
    what its network expansion found (``hops``), or a seizure's shipment, in one action."""
    items = await run_in_threadpool(_items_for, services, caller, entity, hops, seizure)
    await run_in_threadpool(cases.check_visible, services, caller, items)
    if case == "new":
        opened = cases.open_case(services, caller, model_from(cases.CaseIn, title=title))
        case = opened["id"]
    batch = cases.ItemsIn(items=items)
    await run_in_threadpool(cases.add_items, services, caller, case, batch)
    return RedirectResponse(f"/cases/{case}#items", status_code=303)


def _items_for(
    services: Services, caller: Caller, entity: str, hops: int | None, seizure: str
) -> list[cases.ItemIn]:
    """The case items a form asks for (checked against the gate when added)."""
    caller.require_role(*cases.CASE_ROLES)
    if entity and hops:
        body = model_from(cases.ExpansionIn, entity_id=entity, hops=hops)
        return cases.expansion_items(services, caller, body)
    if entity:
        return [model_from(cases.ItemIn, kind="entity", ref=entity)]
    if seizure:
        # The seizures the page offers: the feeds' and those recorded here (``recorded-<id>``,
        # not in the lake until synced), through the gate.
        rows = [r for r in all_seizures(services, caller) if r.get("id") == seizure]
        if not rows or not rows[0].get("shipment_ref"):
            raise NotFoundError(f"no seizure {seizure!r}")
        row = rows[0]
        what = " · ".join(
            str(row[k])[:40]
            for k in ("date", "goods_found", "brand")
            if row.get(k) not in (None, "")
        )
        note = f"seizure {seizure}" + (f": {what}" if what else "")
        return [model_from(cases.ItemIn, kind="shipment", ref=row["shipment_ref"], note=note)]
    raise UserError("say what to add: an entity, its network, or a seizure")


def entity_extras(services: Services, caller: Caller, entity_id: str) -> dict[str, Any]:
    """What the entity page shows besides the profile: linked records, the timeline, the
    watch, and the organisation's open cases to add to (for those who work cases)."""
    links = investigate.entity_links(services, caller, entity_id)
    can_case = caller.role in cases.CASE_ROLES
    own = [
        c
        for c in cases.list_cases(services, caller)["cases"]
        if c["organisation"] == caller.organisation and c.get("status") != "closed"
    ]
    return {
        "links": links,
        "can_case": can_case,
        "can_watch": caller.role in investigate.WATCH_ROLES,
        "open_cases": own[:100] if can_case else [],
    }
