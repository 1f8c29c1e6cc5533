"""List pages of shared records: the watchlist and seizures."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import seizures as seizure_views
from ringfence.service.views import watchlist as watchlist_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render
from ringfence.web.session import page_caller
from ringfence.web.tables import TableSpec, csv_response, query_of, wants_csv

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

WATCHLIST = TableSpec(
    "watchlist",
    [
        ("name", "Name", "entity_name"),
        ("country", "Country", "text"),
        ("brand", "Brand", "list"),
        ("organisation", "Listed by", "sources"),
        ("confirmed_at", "Confirmed", "date"),
        ("notes", "Notes", "clip"),
        ("entries", "Details", "entries"),
    ],
)
# The CSV export carries the identifying fields the page folds into "Details".
WATCHLIST_EXPORT = TableSpec(
    "watchlist",
    [
        *WATCHLIST.columns[:-1],
        ("identifier", "Identifier", "list"),
        ("phone", "Phone", "list"),
        ("email", "E-mail", "list"),
        ("website", "Website", "list"),
        ("confirmed_by", "Confirmed by", "list"),
        ("entity_id", "Entity", "text"),
    ],
)

SEIZURES = TableSpec(
    "seizures",
    [
        ("date", "Date", "date"),
        ("brand", "Brand", "text"),
        ("goods_found", "Goods", "text"),
        ("units", "Units", "num"),
        ("value", "Value", "money"),
        ("origin_country", "Origin", "text"),
        ("port", "Port", "text"),
        ("tracking_number", "Shipment", "tracking"),
        ("organisation", "Recorded by", "org"),
    ],
)


@router.get("/watchlist")
async def watchlist_page(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The shared watchlist, one row per resolved counterfeiter; sort, filter, export."""
    query = query_of(request, watchlist_views.COLUMNS)
    if wants_csv(request):
        rows = watchlist_views.watchlist_rows(services, caller, query)
        return csv_response(WATCHLIST_EXPORT, rows)
    model = watchlist_views.watchlist(services, caller, query=query)
    return render(
        request, "pages/watchlist.html", title="Watchlist", active="watchlist", model=model,
        columns=WATCHLIST.columns,
    )  # fmt: skip


@router.get("/seizures")
async def seizures_page(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Seizures the caller may read (a brand: only its own brands' goods)."""
    query = query_of(request, seizure_views.COLUMNS)
    if wants_csv(request):
        return csv_response(SEIZURES, seizure_views.seizure_rows(services, caller, query))
    model = seizure_views.seizures(services, caller, query=query)
    return render(
        request, "pages/seizures.html", title="Seizures", active="seizures", model=model,
        columns=SEIZURES.columns,
    )  # fmt: skip
