"""Detail pages: one shipment, one resolved entity (with its network drawn)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import entities as entity_views
from ringfence.service.views import shipments as shipment_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.graph import network_elements, path_to_seed
from ringfence.web.pages.investigate import entity_extras
from ringfence.web.render import render
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

SHIPMENT_FACTS = [
    ("source_key", "Reference", "mono"),
    ("organisation", "Supplied by", "org"),
    ("kind", "Kind", "text"),
    ("date", "Date", "date"),
    ("arrival_date", "Arrival", "date"),
    ("origin_country", "Origin", "text"),
    ("departure_country", "Departed from", "text"),
    ("transit_countries", "Transit via", "list"),
    ("destination_country", "Destination", "text"),
    ("port", "Port", "text"),
    ("carrier", "Carrier", "text"),
    ("transport_mode", "Transport", "text"),
    ("tracking_number", "Tracking no.", "mono"),
    ("hs_code", "HS code", "mono"),
    ("description", "Description", "text"),
    ("quantity", "Quantity", "num"),
    ("weight_kg", "Weight (kg)", "num"),
    ("declared_value", "Declared value", "money"),
    ("value_at_stake", "Value at stake", "num"),
]
OUTCOME_COLUMNS = [
    ("date", "Date", "date"),
    ("label", "Label", "text"),
    ("positive", "Positive", "bool"),
    ("result", "Result", "result"),
    ("goods_found", "Goods", "text"),
    ("brand", "Brand", "text"),
    ("units", "Units", "num"),
    ("value", "Value", "money"),
    ("organisation", "Recorded by", "org"),
]
MENTION_COLUMNS = [
    ("name", "Name", "text"),
    ("organisation", "Source", "org"),
    ("role", "Role", "text"),
    ("country", "Country", "text"),
    ("city", "City", "text"),
    ("phone", "Phone", "mono"),
    ("email", "E-mail", "text"),
    ("identifier", "Identifier", "mono"),
    ("bank_account", "Bank account", "mono"),
    ("website", "Website", "text"),
]


@router.get("/shipments/{shipment_id}")
async def shipment_page(
    request: Request,
    shipment_id: str,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """One shipment: its fields, parties (linked to their entities), score, outcomes, tasks."""
    # Lake reads and (after new data lands) index builds: off the event loop (red team F4).
    model = await run_in_threadpool(shipment_views.shipment_detail, services, caller, shipment_id)
    title = f"Shipment {model.shipment.get('source_key') or shipment_id}"
    return render(
        request, "pages/shipment.html", title=title, active="queue", model=model,
        fact_columns=SHIPMENT_FACTS, outcome_columns=OUTCOME_COLUMNS,
    )  # fmt: skip


@router.get("/entities/{entity_id}")
async def entity_page(
    request: Request,
    entity_id: str,
    hops: int = Query(2, ge=1, le=4),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """One resolved entity: who it is, where it was seen, its network and path to a seed."""
    model = await run_in_threadpool(entity_views.entity_profile, services, caller, entity_id, hops)
    extras = await run_in_threadpool(entity_extras, services, caller, entity_id)
    seed = model.seed_path.nearest_seed if model.seed_path else None
    return render(
        request, "pages/entity.html", title=model.entity.get("name") or entity_id,
        active="", model=model, hops=hops, mention_columns=MENTION_COLUMNS,
        graph=network_elements(model.nodes, model.edges, entity_id, seed),
        path=path_to_seed(model.edges, entity_id, seed),
        names={node.entity_id: node.name for node in model.nodes}, **extras,
    )  # fmt: skip
