"""The brand portal: my products and authorised sellers, my notices and their outcomes (with
my self-service removal record), my seizures at the border, my codes; and a form to report a
listing (removing it at once where the brand's accurate notices earned that).

The page renders its JSON twin ``GET /api/v1/brand-portal`` (``brand_portal.portal``: the answers
of ``/api/v1/brand-portal/{products,complaints,seizures,codes}`` in one); the form posts to
``POST /api/v1/complaints``'s view.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ringfence.errors import UserError
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import brand_portal
from ringfence.service.views import complaints as complaint_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

PORTAL = "/brand-portal"
FORM_FIELDS = ("marketplace", "listing", "brand", "reason", "evidence_ref")


@router.get(PORTAL)
async def portal_page(
    request: Request,
    filed: int | None = None,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The caller's brand portal (``filed``: the notice just filed, to point it out)."""
    model = await run_in_threadpool(brand_portal.portal, services, caller)
    markets = [o for o in services.store.organisations() if o.kind == "marketplace"]
    return render(
        request, "pages/brand_portal.html", title="Brand portal", active="brand-portal",
        model=model, marketplaces=markets, filed=filed,
    )  # fmt: skip


@router.post(f"{PORTAL}/complaints")
async def file_complaint(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Report a listing from the portal's form; back to the portal with the notice marked."""
    form = await request.form()
    fields: dict[str, Any] = {}
    for name in FORM_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            fields[name] = value.strip()
    fields["take_down"] = form.get("take_down") == "on"
    try:
        body = complaint_views.ComplaintIn.model_validate(fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "notice"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None
    filed = await run_in_threadpool(complaint_views.file, services, caller, body)
    notice = filed.get("complaint", filed)
    return RedirectResponse(f"{PORTAL}?filed={int(notice['id'])}#complaint-{int(notice['id'])}",
                            status_code=303)  # fmt: skip
