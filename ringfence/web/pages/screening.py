"""The screening page: a party's name and identifiers in, the entities it may be out.

Screening only reads, so the form is a GET: results can be bookmarked and work without JS.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from ringfence.errors import UserError
from ringfence.service.context import Caller, Services, get_services, ready
from ringfence.service.views import screening as screening_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.session import page_caller

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

# The party fields of the API's request model, so the form and the API cannot drift apart.
QUERY_FIELDS = tuple(f for f in screening_views.ScreenRequest.model_fields if f != "limit")


def _request_from(request: Request) -> screening_views.ScreenRequest | None:
    """The ScreenRequest the query string asks for; None when no name was given yet."""
    params = request.query_params
    given = {f: params[f].strip() for f in QUERY_FIELDS if params.get(f, "").strip()}
    if "name" not in given:
        return None
    try:
        return screening_views.ScreenRequest.model_validate(given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "query"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None


@router.get("/screen")
async def screen_page(
    request: Request,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The screening form, and the matches when a name was submitted."""
    body = _request_from(request)
    if body is not None:  # indexes built off the event loop (red team F4)
        await ready(services, "screening_index", "entity_owners")
    result = screening_views.screen(services, caller, body) if body is not None else None
    template = "partials/screen_results.html" if wants_fragment(request) else "pages/screen.html"
    query = {f: request.query_params.get(f, "") for f in QUERY_FIELDS}
    return render(request, template, title="Screening", active="screen", result=result, query=query)
