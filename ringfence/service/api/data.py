"""Watchlist, seizures and the dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ringfence.service.api.deps import ERRORS, CallerDep, ServicesDep
from ringfence.service.views import dashboard, seizures, watchlist

router = APIRouter(responses=ERRORS, tags=["data"])
Page = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/watchlist", response_model=watchlist.WatchlistPage)
def watchlist_page(
    caller: CallerDep,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Page = 1,
) -> watchlist.WatchlistPage:
    """Watchlist entries you may read (each cut to its shared fields)."""
    return watchlist.watchlist(services, caller, q, page)


@router.get("/seizures", response_model=seizures.SeizuresPage)
def seizures_page(
    caller: CallerDep, services: ServicesDep, page: Page = 1
) -> seizures.SeizuresPage:
    """Seizures you may read (a brand: its own brands' goods only)."""
    return seizures.seizures(services, caller, page)


@router.get("/dashboard", response_model=dashboard.Dashboard)
def dashboard_data(
    caller: CallerDep, services: ServicesDep, days: Annotated[int, Query(ge=1, le=3650)] = 30
) -> dashboard.Dashboard:
    """Inspections, hit rate, seizures by origin and brand, model precision, exploration."""
    return dashboard.dashboard(services, caller, days)
