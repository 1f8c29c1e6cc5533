"""Watches and their links in the operational store; every change audited in its transaction.

``watch.add`` / ``watch.remove`` (who watches what), ``watch.alert`` (a check found new links:
how many, for which entity) and ``watch.read`` (someone marked alerts read). Each entry belongs
to the watching organisation, so its audit page shows it and nobody else's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ringfence.errors import ConflictError, LimitError, NotFoundError
from ringfence.investigate.tables import LINK_KINDS, EntityWatch, WatchLink
from ringfence.store.operational import OperationalStore
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational.base import StoreBase, require_organisation
from ringfence.store.operational.cases import one_of, text
from ringfence.store.operational.tables import utcnow

MAX_WATCHES = 500  # per organisation
MAX_LINKS_PER_CHECK = 2_000  # new links one check records per watch (the rest: next check)
MAX_ALERTS_SHOWN = 200


class WatchStore(StoreBase):
    """The watch tables, on an open operational store's engine (``for_store``)."""

    @classmethod
    def for_store(cls, store: OperationalStore) -> WatchStore:
        """A watch store sharing ``store``'s engine and audit key."""
        watches = cls(store.engine, store.url)
        watches.settings = store.settings
        return watches

    def add_watch(
        self, organisation: str, entity_id: str, *, actor: str, note: str | None = None
    ) -> EntityWatch:
        """Watch ``entity_id`` for ``organisation`` (``ConflictError`` if it already does)."""
        entity = text(entity_id, "the entity id", "ref")
        why = text(note, "a note", "why", required=False)
        with self._transaction("watching an entity") as session:
            require_organisation(session, organisation)
            count = session.scalar(
                select(func.count()).where(EntityWatch.organisation == organisation)
            )
            if (count or 0) >= MAX_WATCHES:
                raise LimitError(f"an organisation watches at most {MAX_WATCHES} entities")
            found = session.scalars(
                select(EntityWatch).filter_by(organisation=organisation, entity_id=entity)
            ).first()
            if found is not None:
                raise ConflictError(f"{organisation} already watches {entity}")
            watch = EntityWatch(
                organisation=organisation, entity_id=entity, note=why, watched_by=actor
            )
            session.add(watch)
            session.flush()
            audit_chain.append_entry(
                session, "watch.add", actor, organisation, {"watch": watch.id, "entity": entity}
            )
            return watch

    def remove_watch(self, organisation: str, entity_id: str, *, actor: str) -> None:
        """Stop watching (the watch's links and alerts go with it)."""
        with self._transaction("removing a watch") as session:
            watch = self._watch(session, organisation, entity_id)
            session.execute(delete(WatchLink).where(WatchLink.watch_id == watch.id))
            session.delete(watch)
            audit_chain.append_entry(
                session, "watch.remove", actor, organisation,
                {"watch": watch.id, "entity": entity_id},
            )  # fmt: skip

    def _watch(self, session: Session, organisation: str, entity_id: str) -> EntityWatch:
        found = session.scalars(
            select(EntityWatch).filter_by(organisation=organisation, entity_id=entity_id)
        ).first()
        if found is None:
            raise NotFoundError(f"{organisation} does not watch {entity_id!r}")
        return found

    def watches(self, organisation: str | None = None) -> list[EntityWatch]:
        """Watches, oldest first; ``organisation`` narrows to one organisation's."""
        query = select(EntityWatch).order_by(EntityWatch.id)
        if organisation is not None:
            query = query.where(EntityWatch.organisation == organisation)
        with self._transaction("listing watches") as session:
            return list(session.scalars(query))

    def has_watches(self, organisation: str) -> bool:
        """Whether ``organisation`` watches any entity."""
        query = select(EntityWatch.id).where(EntityWatch.organisation == organisation).limit(1)
        with self._transaction("reading watches") as session:
            return session.scalar(query) is not None

    def watch_of(self, organisation: str, entity_id: str) -> EntityWatch | None:
        """``organisation``'s watch of ``entity_id``, if any."""
        with self._transaction("reading a watch") as session:
            try:
                return self._watch(session, organisation, entity_id)
            except NotFoundError:
                return None

    def known_links(self, watch_id: int) -> set[tuple[str, str]]:
        """(kind, ref) of every link the watch has recorded (baseline and alerts)."""
        query = select(WatchLink.kind, WatchLink.ref).where(WatchLink.watch_id == watch_id)
        with self._transaction("reading a watch's links") as session:
            return {(k, r) for k, r in session.execute(query)}

    def record_links(
        self,
        watch_id: int,
        links: Iterable[tuple[str, str]],
        *,
        alert: bool,
        actor: str,
    ) -> int:
        """Record links not yet known (alerts when ``alert``, else the baseline); how many."""
        with self._transaction("recording a watch's links") as session:
            watch = session.get(EntityWatch, watch_id)
            if watch is None:
                return 0  # removed meanwhile
            known = {
                (k, r)
                for k, r in session.execute(
                    select(WatchLink.kind, WatchLink.ref).where(WatchLink.watch_id == watch_id)
                )
            }
            new = [link for link in dict.fromkeys(links) if link not in known]
            new = new[:MAX_LINKS_PER_CHECK]
            for kind, ref in new:
                session.add(
                    WatchLink(
                        watch_id=watch_id,
                        organisation=watch.organisation,
                        entity_id=watch.entity_id,
                        kind=one_of(kind, LINK_KINDS, "a link's kind"),
                        ref=str(text(ref, "a link's id", "ref")),
                        alert=alert,
                    )
                )
            watch.checked_at = utcnow()
            if alert and new:
                kinds: dict[str, int] = {}
                for kind, _ in new:
                    kinds[kind] = kinds.get(kind, 0) + 1
                audit_chain.append_entry(
                    session, "watch.alert", actor, watch.organisation,
                    {"watch": watch_id, "entity": watch.entity_id, "new": kinds},
                )  # fmt: skip
            return len(new)

    def alerts(
        self, organisation: str, *, unread_only: bool = False, limit: int = MAX_ALERTS_SHOWN
    ) -> list[WatchLink]:
        """``organisation``'s alerts, newest first (never another organisation's)."""
        query = (
            select(WatchLink)
            .where(WatchLink.organisation == organisation, WatchLink.alert.is_(True))
            .order_by(WatchLink.id.desc())
            .limit(max(1, min(limit, MAX_ALERTS_SHOWN)))
        )
        if unread_only:
            query = query.where(WatchLink.read_at.is_(None))
        with self._transaction("listing alerts") as session:
            return list(session.scalars(query))

    def unread_count(self, organisation: str) -> int:
        """How many of ``organisation``'s alerts nobody has marked read."""
        query = select(func.count()).where(
            WatchLink.organisation == organisation,
            WatchLink.alert.is_(True),
            WatchLink.read_at.is_(None),
        )
        with self._transaction("counting alerts") as session:
            return int(session.scalar(query) or 0)

    def mark_read(self, organisation: str, alert_ids: Sequence[int] | None, *, actor: str) -> int:
        """Mark ``organisation``'s alerts read (all unread ones when ``alert_ids`` is None);
        ids of other organisations' alerts change nothing. How many were marked."""
        now: datetime = utcnow()
        query = update(WatchLink).where(
            WatchLink.organisation == organisation,
            WatchLink.alert.is_(True),
            WatchLink.read_at.is_(None),
        )
        if alert_ids is not None:
            query = query.where(WatchLink.id.in_(list(alert_ids)))
        with self._transaction("marking alerts read") as session:
            changed = session.execute(query.values(read_at=now, read_by=actor)).rowcount or 0  # type: ignore[attr-defined]
            if changed:
                audit_chain.append_entry(
                    session, "watch.read", actor, organisation, {"alerts": int(changed)}
                )
            return int(changed)
