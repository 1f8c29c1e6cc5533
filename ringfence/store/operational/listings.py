"""The operational store's listing methods: marketplace actions and the analyst queue.

Every write appends its audit entry in the same transaction: ``listing.<kind>`` for an action
(``listing.hold``, ``listing.hold_stock``, ``listing.take_down``, ``listing.suspend``),
``listing.release`` / ``listing.reinstate`` for its end, ``listing.queue`` for a queue written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from ringfence.errors import ConflictError, NotFoundError, UserError
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.listing_tables import (
    ACTION_KINDS,
    ENDINGS,
    ListingAction,
    ListingReview,
)
from ringfence.store.operational.tables import utcnow


@dataclass(frozen=True)
class ActionDraft:
    """An action before it is stored; which of listing, seller, gtin it needs depends on kind."""

    organisation: str
    kind: str
    reason: str
    expires_at: datetime
    listing: str | None = None
    seller: str | None = None
    gtin: str | None = None
    brand: str | None = None
    source: str = "manual"


@dataclass(frozen=True)
class ReviewDraft:
    """One listing the queue picked, before it is stored."""

    listing: str
    seller: str | None
    brand: str | None
    rank: int
    score: float
    selected_by: str
    selection_probability: float
    reasons: str
    model_version: str | None


def check_draft(draft: ActionDraft, now: datetime) -> None:
    """``UserError`` naming what is wrong: unknown kind, missing target, reason, past expiry."""
    if draft.kind not in ACTION_KINDS:
        raise UserError(f"unknown action {draft.kind!r}; use one of {', '.join(ACTION_KINDS)}")
    needs = {"hold": ("listing",), "take_down": ("listing",), "hold_stock": ("seller", "gtin"),
             "suspend": ("seller",)}[draft.kind]  # fmt: skip
    for name in needs:
        if not getattr(draft, name):
            raise UserError(f"a {draft.kind} needs its {name}")
    if not draft.reason.strip():
        raise UserError("every action needs a reason")
    if draft.expires_at <= now:
        raise UserError(f"expiry {draft.expires_at.isoformat()} is not in the future")


class ListingStore(StoreBase):
    """Listing actions and reviews (a mixin of ``OperationalStore``)."""

    def take_listing_action(self, draft: ActionDraft, *, actor: str) -> ListingAction:
        """Store an action (audited as ``listing.<kind>``); a listing's open reviews close."""
        check_draft(draft, utcnow())
        with self._transaction("recording a listing action") as session:
            if require_organisation(session, draft.organisation).kind != "marketplace":
                raise UserError(f"{draft.organisation} is not a marketplace: only a marketplace "
                                "acts on its listings and sellers")  # fmt: skip
            row = ListingAction(
                organisation=draft.organisation, kind=draft.kind, listing=draft.listing,
                seller=draft.seller, gtin=draft.gtin, brand=draft.brand, reason=draft.reason,
                actor=actor, source=draft.source, expires_at=draft.expires_at,
            )  # fmt: skip
            session.add(row)
            session.flush()
            if draft.listing:
                session.execute(
                    update(ListingReview)
                    .where(ListingReview.organisation == draft.organisation,
                           ListingReview.listing == draft.listing,
                           ListingReview.status == "open")
                    .values(status="done")
                )  # fmt: skip
            detail = {k: v for k, v in row.to_dict().items() if k not in ("organisation", "actor")}
            audit_chain.append_entry(session, f"listing.{draft.kind}", actor, draft.organisation,
                                     detail)  # fmt: skip
            return row

    def end_listing_action(
        self, organisation: str, action_id: int, ending: str, *, reason: str, actor: str
    ) -> ListingAction:
        """Release a hold or reinstate a take-down or suspension (audited as ``listing.<ending>``).

        ``NotFoundError`` for another organisation's action (its existence is not confirmed),
        ``ConflictError`` for one already ended, ``UserError`` for the wrong ending.
        """
        if not reason.strip():
            raise UserError(f"a {ending} needs a reason")
        with self._transaction("ending a listing action") as session:
            row = session.get(ListingAction, action_id)
            if row is None or row.organisation != organisation:
                raise NotFoundError(f"no listing action {action_id} of {organisation}")
            if ENDINGS[row.kind] != ending:
                raise UserError(f"a {row.kind} ends with {ENDINGS[row.kind]}, not {ending}")
            if row.ended_at is not None:
                when = row.ended_at.isoformat()
                raise ConflictError(f"action {action_id} already ended ({when} by {row.ended_by})")
            row.ended_at, row.ended_by, row.end_reason = utcnow(), actor, reason
            detail = {"action": row.id, "kind": row.kind, "listing": row.listing,
                      "seller": row.seller, "gtin": row.gtin, "reason": reason}  # fmt: skip
            audit_chain.append_entry(session, f"listing.{ending}", actor, organisation, detail)
            return row

    def listing_action(self, organisation: str, action_id: int) -> ListingAction:
        """One action of ``organisation``; ``NotFoundError`` for another's (not confirmed)."""
        for row in self.listing_actions(organisation, action_id=action_id, limit=1):
            return row
        raise NotFoundError(f"no listing action {action_id} of {organisation}")

    def listing_actions(
        self,
        organisation: str | Sequence[str] | None = None,
        *,
        limit: int = 10_000,
        listing: str | Sequence[str] | None = None,
        seller: str | Sequence[str] | None = None,
        kind: str | None = None,
        action_id: int | None = None,
    ) -> list[ListingAction]:
        """Actions, newest first; ``organisation`` narrows to one marketplace's (or several),
        ``listing`` and ``seller`` (one or several each), ``kind`` and ``action_id`` to those
        rows, in the query: a check of one listing or seller sees all of its actions, however
        many others there are."""
        query = select(ListingAction).order_by(ListingAction.id.desc())
        if listing is not None and not isinstance(listing, str):
            query = query.where(ListingAction.listing.in_(list(listing)))
            listing = None
        if seller is not None and not isinstance(seller, str):
            query = query.where(ListingAction.seller.in_(list(seller)))
            seller = None
        wanted = ((ListingAction.listing, listing), (ListingAction.seller, seller),
                  (ListingAction.kind, kind), (ListingAction.id, action_id))  # fmt: skip
        for column, value in wanted:
            if value is not None:
                query = query.where(column == value)
        if isinstance(organisation, str):
            query = query.where(ListingAction.organisation == organisation)
        elif organisation is not None:
            query = query.where(ListingAction.organisation.in_(list(organisation)))
        with self._transaction("reading listing actions") as session:
            return list(session.scalars(query.limit(limit)))

    def write_listing_reviews(
        self, organisation: str, review_date: str, drafts: Sequence[ReviewDraft], *, actor: str
    ) -> list[ListingReview]:
        """Replace the open reviews of ``review_date`` with ``drafts`` (audited ``listing.queue``);
        reviews already done stay."""
        with self._transaction("writing the listing queue") as session:
            require_organisation(session, organisation)
            session.execute(
                delete(ListingReview).where(ListingReview.organisation == organisation,
                                            ListingReview.review_date == review_date,
                                            ListingReview.status == "open")
            )  # fmt: skip
            rows = [ListingReview(organisation=organisation, review_date=review_date,
                                  **d.__dict__) for d in drafts]  # fmt: skip
            session.add_all(rows)
            session.flush()
            detail = {"review_date": review_date, "reviews": len(rows),
                      "explored": sum(r.selected_by == "explore" for r in rows)}  # fmt: skip
            audit_chain.append_entry(session, "listing.queue", actor, organisation, detail)
            return rows

    def listing_reviews(
        self, organisation: str, review_date: str | None = None
    ) -> list[ListingReview]:
        """An organisation's reviews (of ``review_date``, default every date), by date and rank."""
        query = select(ListingReview).where(ListingReview.organisation == organisation)
        if review_date is not None:
            query = query.where(ListingReview.review_date == review_date)
        query = query.order_by(ListingReview.review_date.desc(), ListingReview.rank)
        with self._transaction("reading the listing queue") as session:
            return list(session.scalars(query))
