"""The watch tables (created by migration ``0011_watches``), on the operational store's ``Base``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ringfence.store.operational.tables import Base, utcnow

# What can newly link to a watched entity: a party record resolving into it (mention, seller
# account, watchlist entry), a shipment or listing of such a record, a seizure of such a
# shipment, or another entity newly linked to it in the network.
LINK_KINDS = ("mention", "seller", "watchlist", "shipment", "seizure", "listing", "link")


class EntityWatch(Base):
    """An organisation watching a resolved entity (one watch per organisation and entity)."""

    __tablename__ = "entity_watches"
    __table_args__ = (UniqueConstraint("organisation", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(
        String(64), ForeignKey("organisations.slug"), index=True
    )
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    watched_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(default=None)


class WatchLink(Base):
    """Something linked to a watched entity, as its organisation could see it when found.

    Links found when the watch started are its baseline (``alert`` false); links found by a
    later check are alerts, unread until someone of the organisation marks them read.
    """

    __tablename__ = "watch_links"
    __table_args__ = (UniqueConstraint("watch_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(Integer, ForeignKey("entity_watches.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(200))
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    read_by: Mapped[str | None] = mapped_column(String(320), default=None)
