"""A marketplace analyst's pages: the listing review queue (hold, take down, release or
reinstate, undo, in place) and one seller's profile with its linked accounts drawn.

As the inspection queue (``pages/queue.py``): every write posts a small form; with htmx the
response is the review's row, swapped in place; without JavaScript the browser is sent back to
the queue (POST, redirect, GET). A second action of a kind already in force on the listing (the
queue open in two tabs) is refused with 409; htmx then swaps in the row as it now stands, saying
who acted and when.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ringfence.errors import ConflictError, NotFoundError, UserError
from ringfence.service.api.deps import RowId
from ringfence.service.context import Caller, Services, get_services
from ringfence.service.views import complaints as complaint_views
from ringfence.service.views import listings as listing_views
from ringfence.service.views import sellers as seller_views
from ringfence.web.errors import HtmlRoute
from ringfence.web.render import render, wants_fragment
from ringfence.web.session import page_caller
from ringfence.web.tables import TableSpec, csv_response, query_of, wants_csv

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

QUEUE = "/listings/queue"
ACTIONS = (("hold", "Hold", "h"), ("take_down", "Take down", "t"))
SELLER_LISTINGS = TableSpec(
    "seller-listings",
    [
        ("listing", "Listing", "mono"),
        ("title", "Title", "text"),
        ("brand", "Brand", "text"),
        ("gtin", "GTIN", "mono"),
        ("price", "Price", "money"),
        ("status", "Status", "text"),
        ("listed_at", "Listed", "date"),
    ],
)


def _page_context(services: Services) -> dict[str, Any]:
    """What every row's forms need: the action kinds and the default and latest expiry."""
    today = dt.datetime.now(dt.UTC).date()
    return {
        "actions": ACTIONS,
        "default_expiry": (today + dt.timedelta(days=services.settings.listing_action_days)),
        "min_expiry": today.isoformat(),
        "max_expiry": (today + dt.timedelta(days=365)).isoformat(),
    }


@router.get(QUEUE)
async def listing_queue_page(
    request: Request,
    review_date: str | None = None,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """The caller's listing review queue for a date (default: the latest)."""
    model = await run_in_threadpool(
        listing_views.queue, services, caller, (review_date or None) and review_date[:10]
    )
    return render(
        request, "pages/listing_queue.html", title="Listing queue", active="listings",
        model=model, **_page_context(services),
    )  # fmt: skip


def _form_text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


@router.post(f"{QUEUE}/act")
async def act(
    request: Request,
    review_date: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Hold or take down a listing of the queue (reason and expiry from the row's form)."""
    form = await request.form()
    fields = {k: _form_text(form, k) for k in ("kind", "listing", "reason", "expires")}
    try:
        body = listing_views.ActionIn.model_validate({k: v for k, v in fields.items() if v})
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or "action"
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None
    try:
        await run_in_threadpool(listing_views.act, services, caller, body)
    except ConflictError as exc:
        if not wants_fragment(request):
            raise
        return await _row(request, services, caller, str(body.listing), review_date, exc.message,
                          409)  # fmt: skip
    return await _after(request, services, caller, str(body.listing), review_date)


@router.post(f"{QUEUE}/actions/{{action_id}}/end")
async def end_action(
    request: Request,
    action_id: RowId,
    listing: str = Form(..., max_length=200),
    reason: str = Form(..., max_length=500),
    review_date: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Release a hold or reinstate a take-down, with a reason."""
    ending = _ending(services, caller, action_id)
    body = listing_views.EndIn(reason=reason.strip() or " ")
    await run_in_threadpool(listing_views.end, services, caller, action_id, ending, body)
    return await _after(request, services, caller, listing, review_date)


def _ending(services: Services, caller: Caller, action_id: int) -> str:
    row = services.store.listing_action(caller.organisation, action_id)
    return "release" if row.kind in ("hold", "hold_stock") else "reinstate"


@router.post(f"{QUEUE}/actions/{{action_id}}/undo")
async def undo_action(
    request: Request,
    action_id: RowId,
    listing: str = Form(..., max_length=200),
    review_date: str = Form(""),
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Undo an action taken seconds ago: the listing is open for review again."""
    await run_in_threadpool(listing_views.undo, services, caller, action_id)
    return await _after(request, services, caller, listing, review_date)


async def _after(
    request: Request, services: Services, caller: Caller, listing: str, review_date: str
) -> Response:
    if not wants_fragment(request):
        back = f"{QUEUE}?review_date={review_date[:10]}" if review_date else QUEUE
        return RedirectResponse(back, status_code=303)
    return await _row(request, services, caller, listing, review_date)


async def _row(
    request: Request,
    services: Services,
    caller: Caller,
    listing: str,
    review_date: str,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """The listing's row as the queue view now shows it."""
    model = await run_in_threadpool(listing_views.queue, services, caller, review_date[:10] or None)
    review = next((r for r in model["reviews"] if r["listing"] == listing), None)
    if review is None:
        raise NotFoundError(
            f"no review of listing {listing[:200]!r} on {review_date or 'the latest date'}"
        )
    return render(
        request, "partials/listing_row.html", title="Listing queue", review=review, model=model,
        notice=notice, status_code=status_code, **_page_context(services),
    )  # fmt: skip


@router.get("/sellers/{seller}")
async def seller_page(
    request: Request,
    seller: str,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """One seller: risk and reasons, listings (sort, filter, CSV), actions, links drawn."""
    query = query_of(request, seller_views.COLUMNS)
    if wants_csv(request):
        every = query.model_copy(update={"page": 1})
        model = await run_in_threadpool(seller_views.seller_profile, services, caller,
                                        seller[:200], every, seller_views.MAX_LISTINGS)  # fmt: skip
        return csv_response(SELLER_LISTINGS, model["listings"])
    model = await run_in_threadpool(
        seller_views.seller_profile, services, caller, seller[:200], query
    )
    return render(
        request, "pages/seller.html", title=f"Seller {seller[:80]}", active="listings",
        model=model, columns=SELLER_LISTINGS.columns, graph=seller_elements(model),
    )  # fmt: skip


def seller_elements(model: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The seller and its linked accounts as Cytoscape elements (``static/js/network.js``):
    node size by risk, one edge per pair and kind."""
    seller = model["seller"]
    nodes = [{"data": {"id": seller, "label": seller, "risk": float(model.get("score") or 0.0),
                       "focus": True, "href": f"/sellers/{seller}"}}]  # fmt: skip
    for other in model["linked_sellers"]:
        nodes.append({"data": {"id": other["seller"], "label": other["seller"],
                               "risk": float(other.get("score") or 0.0), "hops": 1,
                               "href": f"/sellers/{other['seller']}"}})  # fmt: skip
    edges: dict[str, dict[str, Any]] = {}
    for link in model["links"]:
        a, b = sorted((link["seller"], link["other_seller"]))
        key = f"{a}>{b}>{link['kind']}"
        edges.setdefault(key, {"data": {"id": key, "source": a, "target": b,
                                        "label": link["kind"], "kind": link["kind"]}})  # fmt: skip
    return {"nodes": nodes, "edges": list(edges.values()), "groups": [], "group_edges": []}


NOTICES = "/listings/notices"
NOTICE_STEPS = ("decide", "counter-notice", "reinstate")


@router.get(NOTICES)
async def notices_page(
    request: Request,
    status: str | None = None,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Brands' notices against the caller's listings, with the next step of each."""
    listing_views.require_marketplace_staff(caller)
    chosen = status if status in ("pending", "upheld", "rejected", "withdrawn") else None
    # Its own received notices count towards the 1,000, not those partners share with it.
    model = await run_in_threadpool(complaint_views.list_complaints, services, caller, chosen,
                                    1000, caller.organisation)  # fmt: skip
    return render(
        request, "pages/notices.html", title="Notices received", active="listings",
        model=model, status=chosen or "",
    )  # fmt: skip


@router.post(f"{NOTICES}/{{complaint_id}}/{{step}}")
async def notice_step(
    request: Request,
    complaint_id: RowId,
    step: str,
    caller: Caller = Depends(page_caller),
    services: Services = Depends(get_services),
) -> Response:
    """Uphold or reject a pending notice, record the seller's counter-notice to an upheld one,
    or reinstate the listing on it (each with its text, audited by the complaints service)."""
    form = await request.form()
    text = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()}
    try:
        if step == "decide":
            body: Any = complaint_views.DecisionIn.model_validate(
                {"decision": text.get("decision"), "reason": text.get("reason")}
            )
            call: Any = complaint_views.decide
        elif step == "counter-notice":
            body = complaint_views.CounterIn.model_validate({"statement": text.get("statement")})
            call = complaint_views.counter
        elif step == "reinstate":
            body = complaint_views.ReasonIn.model_validate({"reason": text.get("reason")})
            call = complaint_views.reinstate
        else:
            raise UserError(f"unknown step {step[:40]!r}; use one of {', '.join(NOTICE_STEPS)}")
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ())) or step
        raise UserError(f"{where}: {problem.get('msg', 'invalid')}") from None
    await run_in_threadpool(call, services, caller, complaint_id, body)
    return RedirectResponse(f"{NOTICES}#notice-{complaint_id}", status_code=303)
