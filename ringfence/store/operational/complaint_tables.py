"""Brands' notices against marketplace listings (migration 0010_brand_complaints)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.store.operational.tables import Base, utcnow

# pending: awaiting the marketplace; upheld: the listing came down (by the marketplace, or by a
# brand's self-service removal); rejected: not upheld, or reinstated after a counter-notice;
# withdrawn: by the brand.
COMPLAINT_STATES = ("pending", "upheld", "rejected", "withdrawn")
DECIDED = ("upheld", "rejected")
# A notice as the service shows it (``BrandComplaint.to_dict``): what an agreement may name.
COMPLAINT_FIELDS = (
    "id", "organisation", "marketplace", "listing", "seller", "brand", "reason", "evidence_ref",
    "evidence_name", "evidence_sha256", "filed_by", "filed_at", "score", "valid", "reasons",
    "status", "decided_at", "decided_by", "decision_reason", "self_service", "action_id",
    "counter_notice", "counter_at", "counter_by", "reinstated_at",
)  # fmt: skip
_TIMES = ("filed_at", "decided_at", "counter_at", "reinstated_at")


class BrandComplaint(Base):
    """A brand's notice against a listing, its validity score, decision and counter-notice."""

    __tablename__ = "brand_complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    marketplace: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    listing: Mapped[str] = mapped_column(String(200), index=True)
    seller: Mapped[str | None] = mapped_column(String(200), index=True)
    brand: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    evidence_ref: Mapped[str | None] = mapped_column(String(500))
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    filed_by: Mapped[str] = mapped_column(String(320))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float] = mapped_column(Float)
    valid: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    self_service: Mapped[bool] = mapped_column(Boolean, default=False)
    action_id: Mapped[int | None] = mapped_column(Integer)
    counter_notice: Mapped[str | None] = mapped_column(String(2000))
    counter_at: Mapped[datetime | None]
    counter_by: Mapped[str | None] = mapped_column(String(320))
    reinstated_at: Mapped[datetime | None]

    def to_dict(self) -> dict[str, object]:
        """The notice as the service shows it (the policy gate decides which of it leaves)."""
        out: dict[str, object] = {name: getattr(self, name) for name in COMPLAINT_FIELDS}
        for name in _TIMES:
            value = out[name]
            out[name] = value.isoformat() if isinstance(value, datetime) else None
        return out
