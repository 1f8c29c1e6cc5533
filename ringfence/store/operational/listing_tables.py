"""Marketplace actions on listings and sellers, and the analyst queue (migration 0009)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.store.operational.tables import Base, utcnow

# hold: one listing; hold_stock: a seller's stock of one product (GTIN); take_down: one listing;
# suspend: a seller account. Release ends a hold; reinstate ends a take-down or a suspension.
ACTION_KINDS = ("hold", "hold_stock", "take_down", "suspend")
ENDINGS = {"hold": "release", "hold_stock": "release", "take_down": "reinstate",
           "suspend": "reinstate"}  # fmt: skip
# An action as the service shows it (``ListingAction.to_dict``): what an agreement may name.
ACTION_FIELDS = (
    "id", "organisation", "kind", "listing", "seller", "gtin", "brand", "reason", "actor",
    "created_at", "expires_at", "ended_at", "ended_by", "end_reason", "source", "state",
)  # fmt: skip
REVIEW_FIELDS = (
    "id", "organisation", "review_date", "listing", "seller", "brand", "rank", "score",
    "selected_by", "selection_probability", "reasons", "model_version", "status", "created_at",
)  # fmt: skip


class ListingAction(Base):
    """One action a marketplace took, with why, who, until when, and how it ended."""

    __tablename__ = "listing_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    listing: Mapped[str | None] = mapped_column(String(200), index=True)
    seller: Mapped[str | None] = mapped_column(String(200), index=True)
    gtin: Mapped[str | None] = mapped_column(String(14))
    brand: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(320))
    source: Mapped[str] = mapped_column(String(64), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(320))
    end_reason: Mapped[str | None] = mapped_column(String(500))

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``expired``, or how it ended (``released``, ``reinstated``)."""
        if self.ended_at is not None:
            return "released" if ENDINGS[self.kind] == "release" else "reinstated"
        return "active" if self.expires_at > (now or utcnow()) else "expired"

    def to_dict(self) -> dict[str, object]:
        """The action as the service shows it (the policy gate decides which of it leaves)."""
        out: dict[str, object] = {name: getattr(self, name) for name in ACTION_FIELDS[:-1]}
        for name in ("created_at", "expires_at", "ended_at"):
            value = out[name]
            out[name] = value.isoformat() if isinstance(value, datetime) else None
        return out | {"state": self.state()}


class ListingReview(Base):
    """One listing picked for an analyst's review on a day, and how it was picked."""

    __tablename__ = "listing_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    review_date: Mapped[str] = mapped_column(String(10), index=True)
    listing: Mapped[str] = mapped_column(String(200))
    seller: Mapped[str | None] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(200))
    rank: Mapped[int]
    score: Mapped[float] = mapped_column(Float)
    selected_by: Mapped[str] = mapped_column(String(10))
    selection_probability: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(String(2000))
    model_version: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self) -> dict[str, object]:
        """The review item as the service shows it."""
        out: dict[str, object] = {name: getattr(self, name) for name in REVIEW_FIELDS}
        out["created_at"] = self.created_at.isoformat()
        return out
