"""The signed-unit-code tables (created by migration ``0008_code_scans``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.store.operational.tables import Base, utcnow

SCAN_KINDS = ("customs", "carrier", "marketplace")
# A scan as the service shows it (``CodeScan.to_dict``): what an agreement may name.
SCAN_FIELDS = (
    "id", "organisation", "kind", "place", "code", "valid", "brand", "gtin", "serial", "key_id",
    "reason", "scanned_at", "recorded_by",
)  # fmt: skip


class CodeKey(Base):
    """A brand's public code key, registered by the organisation owning the brand."""

    __tablename__ = "code_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    brand: Mapped[str] = mapped_column(String(200), index=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))
    gtins: Mapped[list[Any] | None] = mapped_column(JSON)  # None: every product of the brand
    registered_by: Mapped[str] = mapped_column(String(320))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class CodeScan(Base):
    """One code scanned by a customs office, carrier or marketplace at one place."""

    __tablename__ = "code_scans"
    __table_args__ = (Index("ix_code_scans_unit", "brand", "gtin", "serial"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(260))
    valid: Mapped[bool] = mapped_column()
    brand: Mapped[str | None] = mapped_column(String(200))
    gtin: Mapped[str | None] = mapped_column(String(14))
    serial: Mapped[str | None] = mapped_column(String(16))
    key_id: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(320))

    def to_dict(self) -> dict[str, Any]:
        """The scan as the service shows it (the policy gate decides which of it leaves)."""
        return {
            "id": self.id, "organisation": self.organisation, "kind": self.kind,
            "place": self.place, "code": self.code, "valid": self.valid, "brand": self.brand,
            "gtin": self.gtin, "serial": self.serial, "key_id": self.key_id,
            "reason": self.reason, "scanned_at": self.scanned_at.isoformat(),
            "recorded_by": self.recorded_by,
        }  # fmt: skip
