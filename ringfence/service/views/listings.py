"""Listing risk and marketplace actions through the service.

Only a marketplace's own staff (admins, analysts, investigators of a ``marketplace``) score
listings, act on them and read their review queue; the listing or seller must be the caller's
own (``NotFoundError`` otherwise, never a hint that another organisation has it). Actions are the
policy gate's dataset ``listing_actions``: partners read them only through an agreement (a brand,
typically, the actions on listings of its own brand with ``{"brand": "$recipient_brands"}``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from ringfence.errors import ForbiddenError, NotFoundError
from ringfence.listings import actions
from ringfence.listings.scoring import ListingScorer
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody

ACT_ROLES = ("admin", "analyst", "investigator")
DATASET = "listing_actions"


class ListingIn(RequestBody):
    """A listing being created, to score before it goes live."""

    seller: str = Field(min_length=1, max_length=200, description="The seller's id.")
    brand: str | None = Field(default=None, max_length=200)
    gtin: str | None = Field(default=None, max_length=14)
    price: float | None = Field(default=None, ge=0, le=1e12, allow_inf_nan=False)
    listing: str | None = Field(default=None, max_length=200, description="Its id, echoed.")


class ScoreIn(RequestBody):
    """Listings to score (at most 100)."""

    listings: list[ListingIn] = Field(min_length=1, max_length=100)


class ActionIn(RequestBody):
    """An action on one of the caller's listings or sellers."""

    kind: Literal["hold", "hold_stock", "take_down", "suspend"]
    reason: str = Field(min_length=1, max_length=500)
    listing: str | None = Field(default=None, min_length=1, max_length=200)
    seller: str | None = Field(default=None, min_length=1, max_length=200)
    gtin: str | None = Field(default=None, min_length=1, max_length=14)
    expires: dt.date | dt.datetime | None = Field(
        default=None, description="When it lapses (a date: the end of that day, UTC)."
    )


class EndIn(RequestBody):
    """Why a hold is released or a take-down or suspension reinstated."""

    reason: str = Field(min_length=1, max_length=500)


def require_marketplace_staff(caller: Caller) -> None:
    """``ForbiddenError`` unless the caller works at a marketplace in one of ``ACT_ROLES``."""
    caller.require_role(*ACT_ROLES)
    if caller.organisation_kind != "marketplace":
        raise ForbiddenError("only a marketplace acts on (and scores) its own listings")


def _scorer(services: Services) -> ListingScorer:
    from ringfence.listings.service import load_scorer
    from ringfence.marketplace.service import models_root

    latest = max((p.parent.name for p in models_root(services.settings).glob("*/manifest.json")),
                 default="")  # fmt: skip
    return services.memo("listing_scorer", latest, lambda: load_scorer(services.settings))


def score(services: Services, caller: Caller, body: ScoreIn) -> dict[str, Any]:
    """Scores of listings the caller's marketplace is about to publish, with reasons."""
    require_marketplace_staff(caller)
    scorer = _scorer(services)
    out = []
    for item in body.listings:
        result = scorer.score(caller.organisation, item.model_dump())
        out.append({"listing": item.listing, "seller": item.seller, "score": result.score,
                    "reasons": result.reasons})  # fmt: skip
    return {"organisation": caller.organisation, "model_version": scorer.version, "listings": out}


def act(services: Services, caller: Caller, body: ActionIn) -> dict[str, Any]:
    """Take an action on the caller's own listing or seller (audited)."""
    require_marketplace_staff(caller)
    row = actions.act(
        services.settings, services.store, caller.organisation, body.kind, reason=body.reason,
        actor=caller.actor, listing=body.listing, seller=body.seller, gtin=body.gtin,
        expires=body.expires,
    )  # fmt: skip
    return {"action": row}


def end(
    services: Services, caller: Caller, action_id: int, ending: str, body: EndIn
) -> dict[str, Any]:
    """Release or reinstate one of the caller's own actions (audited)."""
    require_marketplace_staff(caller)
    row = actions.end(services.store, caller.organisation, action_id, ending,
                      reason=body.reason, actor=caller.actor)  # fmt: skip
    return {"action": row}


def list_actions(services: Services, caller: Caller, limit: int) -> dict[str, Any]:
    """Actions the caller may read: its own, and those partners share with it."""
    policy = sharing.Policy.load(services, caller)
    owners = policy.owners(DATASET)  # the limit counts only rows the gate may pass
    rows = [a.to_dict() for a in services.store.listing_actions(owners, limit=limit)]
    rows = sharing.visible(services, caller, DATASET, rows, policy)
    return {"organisation": caller.organisation,
            "actions": rows}  # fmt: skip


def queue(services: Services, caller: Caller, review_date: str | None) -> dict[str, Any]:
    """The caller's marketplace review queue for a date (default: the latest)."""
    require_marketplace_staff(caller)
    every = services.store.listing_reviews(caller.organisation)
    dates = sorted({r.review_date for r in every}, reverse=True)
    chosen = review_date or (dates[0] if dates else None)
    if review_date is not None and review_date not in dates:
        raise NotFoundError(f"no listing queue for {review_date[:10]!r}")
    rows = [r.to_dict() for r in every if r.review_date == chosen]
    return {"organisation": caller.organisation, "review_date": chosen, "dates": dates,
            "reviews": sharing.visible(services, caller, "listing_reviews", rows)}  # fmt: skip
