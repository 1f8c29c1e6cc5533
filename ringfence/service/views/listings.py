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

from ringfence.errors import ConflictError, ForbiddenError, NotFoundError
from ringfence.listings import actions
from ringfence.listings.scoring import ListingScorer
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.paging import newest_passing
from ringfence.service.views.body import RequestBody
from ringfence.store.operational.listing_tables import ENDINGS

ACT_ROLES = ("admin", "analyst", "investigator")
DATASET = "listing_actions"
UNDO_SECONDS = 10  # as an inspection outcome: its taker may undo an action this long
UNDO_REASON = "undone by its taker within seconds"
DETAILS = ("title", "price", "currency", "listing_status")


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


def _refuse_second(services: Services, caller: Caller, body: ActionIn) -> None:
    """``ConflictError`` when the listing already has this kind of action in force, or a
    take-down (a hold may still be escalated to a take-down): the queue open in two tabs, or
    two analysts, never stack the same action twice. Checked before the write, not in its
    transaction: two requests in the same instant can still both pass."""
    if body.kind not in ("hold", "take_down") or not body.listing:
        return
    for row in services.store.listing_actions(caller.organisation, listing=body.listing):
        if row.state() != "active":
            continue
        if row.kind in (body.kind, "take_down"):
            when = row.created_at.strftime("%Y-%m-%d %H:%M UTC")
            raise ConflictError(
                f"listing {body.listing[:200]} already has a {row.kind.replace('_', '-')} in "
                f"force (action {row.id}, by {row.actor} at {when})"
            )


def act(services: Services, caller: Caller, body: ActionIn) -> dict[str, Any]:
    """Take an action on the caller's own listing or seller (audited); ``ConflictError`` for a
    second one of a kind already in force on the listing."""
    require_marketplace_staff(caller)
    _refuse_second(services, caller, body)
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


def undo(services: Services, caller: Caller, action_id: int) -> dict[str, Any]:
    """End an action its taker took less than ``UNDO_SECONDS`` ago (release or reinstate,
    audited with the reason "undone"); ``ForbiddenError`` for anyone else or later."""
    require_marketplace_staff(caller)
    row = services.store.listing_action(caller.organisation, action_id)
    if undo_until(row.to_dict(), caller) is None:
        raise ForbiddenError(
            f"only its taker may undo action {action_id}, within {UNDO_SECONDS} s; "
            f"{ENDINGS[row.kind]} it with a reason instead"
        )
    ended = actions.end(services.store, caller.organisation, action_id, ENDINGS[row.kind],
                        reason=UNDO_REASON, actor=caller.actor)  # fmt: skip
    return {"action": ended}


def undo_until(action: dict[str, Any], caller: Caller) -> str | None:
    """Until when ``caller`` may undo ``action`` (ISO time), or None."""
    if action.get("actor") != caller.actor or action.get("state") != "active":
        return None
    created = dt.datetime.fromisoformat(str(action["created_at"]))
    created = created if created.tzinfo else created.replace(tzinfo=dt.UTC)
    until = created + dt.timedelta(seconds=UNDO_SECONDS)
    return until.isoformat() if until > dt.datetime.now(dt.UTC) else None


def list_actions(services: Services, caller: Caller, limit: int) -> dict[str, Any]:
    """Actions the caller may read: its own, and those partners share with it, newest first.
    The limit counts only those (``newest_passing``): a partner's actions its agreement does
    not share must not push the caller's out of its page, nor tell how many were taken."""
    policy = sharing.Policy.load(services, caller)
    owners = policy.owners(DATASET)

    def read(n: int) -> list[dict[str, Any]]:
        return [a.to_dict() for a in services.store.listing_actions(owners, limit=n)]

    def passing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sharing.visible(services, caller, DATASET, rows, policy)

    return {"organisation": caller.organisation,
            "actions": newest_passing(read, passing, limit)}  # fmt: skip


def queue(services: Services, caller: Caller, review_date: str | None) -> dict[str, Any]:
    """The caller's marketplace review queue for a date (default: the latest). Each review
    carries its listing's ``title``, ``price``, ``currency`` and ``listing_status`` from the
    lake, and ``action``: the newest action in force on the listing, else the one that changed last
    (with ``undo_until`` while its taker may still undo it), or None."""
    require_marketplace_staff(caller)
    every = services.store.listing_reviews(caller.organisation)
    dates = sorted({r.review_date for r in every}, reverse=True)
    chosen = review_date or (dates[0] if dates else None)
    if review_date is not None and review_date not in dates:
        raise NotFoundError(f"no listing queue for {review_date[:10]!r}")
    rows = [r.to_dict() for r in every if r.review_date == chosen]
    rows = sharing.visible(services, caller, "listing_reviews", rows)
    details = _listing_details(services, caller, [str(r["listing"]) for r in rows])
    latest = _latest_actions(services, caller, sorted({str(r["listing"]) for r in rows}))
    for row in rows:
        row.update(details.get(str(row["listing"]), dict.fromkeys(DETAILS)))
        row["action"] = latest.get(str(row["listing"]))
    return {"organisation": caller.organisation, "review_date": chosen, "dates": dates,
            "reviews": rows}  # fmt: skip


# Listings per read of their actions (an IN list well below any database's parameter limit).
ACTION_READ_LISTINGS = 500
# The most actions read per listing: far above what take-downs, undos and reinstatements
# leave on one listing; a bound, not a filter.
ACTIONS_PER_LISTING = 1_000


def _latest_actions(
    services: Services, caller: Caller, listings: list[str]
) -> dict[str, dict[str, Any]]:
    """Per listing of ``listings``: the newest action in force, else the one that changed last
    (taken or ended), with ``undo_until``. Reads those listings' actions (not the newest
    10,000 of the marketplace, which lost older listings' actions from sight)."""
    chosen: dict[str, Any] = {}
    for start in range(0, len(listings), ACTION_READ_LISTINGS):
        part = listings[start : start + ACTION_READ_LISTINGS]
        limit = ACTIONS_PER_LISTING * len(part)
        for action in services.store.listing_actions(
            caller.organisation, listing=part, limit=limit
        ):
            if not action.listing:
                continue
            known = chosen.get(action.listing)
            if known is None or _rank(action) > _rank(known):
                chosen[action.listing] = action
    out = {}
    for listing, action in chosen.items():
        shown = action.to_dict()
        out[listing] = shown | {"undo_until": undo_until(shown, caller)}
    return out


def _rank(action: Any) -> tuple[bool, Any, int]:
    return (action.state() == "active", action.ended_at or action.created_at, action.id)


def _listing_details(
    services: Services, caller: Caller, listings: list[str]
) -> dict[str, dict[str, Any]]:
    """Title, price, currency and status of the caller's own ``listings`` (through the gate)."""
    if not listings:
        return {}
    where = (f"organisation = {sharing.sql_text(caller.organisation)} AND source_key IN "
             f"{sharing.sql_list(listings)}")  # fmt: skip
    out = {}
    for row in sharing.read(services, caller, "listings", where=where):
        out[str(row.get("source_key"))] = {
            "title": row.get("title"), "price": row.get("price"),
            "currency": row.get("currency"), "listing_status": row.get("status"),
        }  # fmt: skip
    return out
