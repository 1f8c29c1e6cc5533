"""The dashboard: headline numbers and the Vega-Lite charts, over a window of days."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import dashboard as dashboard_views
from ringfence.web.charts import dashboard_charts
from ringfence.web.errors import HtmlRoute
from ringfence.web.nav import nav_for
from ringfence.web.render import render
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

WINDOWS = (7, 30, 90, 365)


@router.get("/dashboard")
async def dashboard_page(
    request: Request,
    days: int = Query(30, ge=1, le=3650),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Inspections and hit rate, seizures by origin and brand, model precision, exploration.

    The queue's figures (open tasks, precision, exploration) are shown only to callers whose
    organisation and role work a queue; a brand owner sees the seizures of its goods.
    """
    model = dashboard_views.dashboard(services, caller, days=days)
    return render(
        request, "pages/dashboard.html", title="Dashboard", active="dashboard", model=model,
        charts=dashboard_charts(model), windows=WINDOWS,
        has_queue=any(item.key == "queue" for item in nav_for(caller)),
    )  # fmt: skip
