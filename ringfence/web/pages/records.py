"""List pages of shared records: the watchlist and seizures."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import seizures as seizure_views
from ringfence.service.views import watchlist as watchlist_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

WATCHLIST_COLUMNS = [
    ("name", "Name", "text"),
    ("country", "Country", "text"),
    ("identifier", "Identifier", "mono"),
    ("phone", "Phone", "mono"),
    ("email", "E-mail", "text"),
    ("website", "Website", "text"),
    ("brand", "Brand", "text"),
    ("confirmed_by", "Confirmed by", "text"),
    ("confirmed_at", "Confirmed", "date"),
    ("organisation", "Listed by", "text"),
    ("notes", "Notes", "text"),
]

SEIZURE_COLUMNS = [
    ("date", "Date", "date"),
    ("brand", "Brand", "text"),
    ("goods_found", "Goods", "text"),
    ("units", "Units", "num"),
    ("value", "Value", "money"),
    ("origin_country", "Origin", "text"),
    ("port", "Port", "text"),
    ("shipment_ref", "Shipment", "shipment"),
    ("organisation", "Recorded by", "text"),
]


@router.get("/watchlist")
async def watchlist_page(
    request: Request,
    q: str | None = None,
    page: int = Query(1, ge=1),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The shared watchlist, searchable by name, cut to the fields the caller is granted."""
    model = watchlist_views.watchlist(services, caller, q=q or None, page=page)
    fragment = wants_fragment(request)
    template = "partials/watchlist_table.html" if fragment else "pages/watchlist.html"
    return render(
        request, template, title="Watchlist", active="watchlist", model=model,
        columns=WATCHLIST_COLUMNS,
    )  # fmt: skip


@router.get("/seizures")
async def seizures_page(
    request: Request,
    page: int = Query(1, ge=1),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Seizures the caller may read (a brand: only its own brands' goods)."""
    model = seizure_views.seizures(services, caller, page=page)
    return render(
        request, "pages/seizures.html", title="Seizures", active="seizures", model=model,
        columns=SEIZURE_COLUMNS,
    )  # fmt: skip
