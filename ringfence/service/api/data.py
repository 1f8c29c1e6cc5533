"""Watchlist, seizures and the dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.views import dashboard, pageviews, seizures, watchlist
from ringfence.service.views.tablequery import table_query

router = APIRouter(responses=ERRORS, tags=["data"])
Page = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str | None, Query(max_length=200)]
SORT_HELP = "a column key, '-' first for descending; any column key is also a filter (?brand=x)"
Sort = Annotated[str | None, Query(max_length=200, description=SORT_HELP)]


@router.get("/watchlist", response_model=watchlist.WatchlistPage)
def watchlist_page(
    request: Request,
    caller: CallerDep,
    services: ServicesDep,
    q: Text = None,
    sort: Sort = None,
    page: Page = 1,
) -> watchlist.WatchlistPage:
    """Watchlist rows you may read, one per resolved party (each listing cut to its shared
    fields); sorted, filtered and paged like the page (``?sort=-confirmed_at&brand=x``)."""
    query = table_query(request.query_params, watchlist.COLUMNS)
    return watchlist.watchlist(services, caller, query=query)


@router.get("/seizures", response_model=seizures.SeizuresPage)
def seizures_page(
    request: Request,
    caller: CallerDep,
    services: ServicesDep,
    q: Text = None,
    sort: Sort = None,
    page: Page = 1,
) -> seizures.SeizuresPage:
    """Seizures you may read (a brand: its own brands' goods only); sorted, filtered and paged
    like the page (``?sort=-value&port=RTM``)."""
    query = table_query(request.query_params, seizures.COLUMNS)
    return seizures.seizures(services, caller, query=query)


@router.get("/dashboard", response_model=dashboard.Dashboard)
def dashboard_data(
    caller: CallerDep, services: ServicesDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> dashboard.Dashboard:
    """Inspections, hit rate, seizures by origin and brand, model precision, exploration."""
    return dashboard.dashboard(services, caller, days)


@router.get("/metrics/pageviews", response_model=pageviews.PageViews)
def pageviews_data(
    caller: CallerDep, services: ServicesDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> pageviews.PageViews:
    """Share of listing page views with no valid (upheld) complaint per day and brand, over the
    last ``days`` days of page views you may read (``ringfence metrics pageviews``)."""
    return pageviews.pageviews(services, caller, days)
