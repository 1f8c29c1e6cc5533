"""The investigator's views: an entity's links and timeline, watches and their alerts.

Every row comes through the policy gate (``investigate.linked``); a watch and its alerts belong
to the caller's organisation and are never read for another (the store filters by it). What an
alert names is read again through the gate when shown, so an agreement withdrawn since the alert
was raised hides it ("no longer shared with you").
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ringfence.errors import NotFoundError
from ringfence.investigate.check import check_if_changed, check_watch
from ringfence.investigate.linked import linked
from ringfence.investigate.tables import WatchLink
from ringfence.investigate.timeline import timeline
from ringfence.investigate.watch_store import WatchStore
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.body import RequestBody

# Roles that watch entities (as those that work cases); any role reads its organisation's alerts.
WATCH_ROLES = ("admin", "analyst", "officer", "investigator")
# Where an alert's record is read from, by the alert's kind.
ALERT_SOURCES = {"mention": "parties", "seller": "sellers", "watchlist": "watchlist",
                 "shipment": "shipments", "seizure": "seizures", "listing": "listings"}  # fmt: skip


class WatchIn(RequestBody):
    """An entity to watch, and why."""

    entity_id: str = Field(min_length=1, max_length=64, pattern=r"^[\w.:@#~-]+$")
    note: str | None = Field(default=None, max_length=500)


class ReadIn(RequestBody):
    """Alerts to mark read (none given: every unread one)."""

    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, max_length=500
    )


def entity_links(services: Services, caller: Caller, entity_id: str) -> dict[str, Any]:
    """What links to the entity, its timeline, and whether the caller's organisation watches it."""
    found = linked(services, caller, entity_id)
    watch = WatchStore.for_store(services.store).watch_of(caller.organisation, entity_id)
    return {
        "entity": found.entity,
        "mentions": found.mentions,
        "sellers": found.sellers,
        "watchlist": found.watchlist,
        "shipments": found.shipments,
        "seizures": found.seizures,
        "listings": found.listings,
        "actions": found.actions,
        "cases": found.cases,
        "timeline": timeline(found),
        "watched": watch is not None,
    }


def _watch_dict(w: Any) -> dict[str, Any]:
    return {
        "entity_id": w.entity_id,
        "note": w.note,
        "watched_by": w.watched_by,
        "created_at": w.created_at.isoformat(),
        "checked_at": w.checked_at.isoformat() if w.checked_at else None,
    }


def list_watches(services: Services, caller: Caller) -> dict[str, Any]:
    """The caller's organisation's watches, each with the entity's name as the caller sees it."""
    watches = WatchStore.for_store(services.store).watches(caller.organisation)
    names = _names(services, caller, [w.entity_id for w in watches])
    return {
        "organisation": caller.organisation,
        "watches": [{**_watch_dict(w), "name": names.get(w.entity_id)} for w in watches],
    }


def add_watch(services: Services, caller: Caller, body: WatchIn) -> dict[str, Any]:
    """Watch an entity the caller may read; what links to it now is the baseline."""
    caller.require_role(*WATCH_ROLES)
    if not sharing.read_entities(services, caller, [body.entity_id]):
        raise NotFoundError(f"no entity {body.entity_id!r} that you may read")
    store = WatchStore.for_store(services.store)
    watch = store.add_watch(caller.organisation, body.entity_id, actor=caller.actor, note=body.note)
    check_watch(services, watch, baseline=True, actor=caller.actor)
    return _watch_dict(store.watch_of(caller.organisation, body.entity_id) or watch)


def remove_watch(services: Services, caller: Caller, entity_id: str) -> dict[str, Any]:
    """Stop watching an entity (404 when the caller's organisation does not watch it)."""
    caller.require_role(*WATCH_ROLES)
    WatchStore.for_store(services.store).remove_watch(
        caller.organisation, entity_id, actor=caller.actor
    )
    return {"entity_id": entity_id, "watched": False}


def alerts(services: Services, caller: Caller, unread_only: bool = False) -> dict[str, Any]:
    """The caller's organisation's alerts, newest first, after checking its watches if new
    data landed; what each names is read through the gate now."""
    check_if_changed(services, caller.organisation)
    store = WatchStore.for_store(services.store)
    rows = store.alerts(caller.organisation, unread_only=unread_only)
    shown = _described(services, caller, rows)
    return {
        "organisation": caller.organisation,
        "unread": store.unread_count(caller.organisation),
        "alerts": shown,
    }


def mark_read(services: Services, caller: Caller, body: ReadIn) -> dict[str, Any]:
    """Mark the caller's organisation's alerts read (others' ids change nothing)."""
    store = WatchStore.for_store(services.store)
    changed = store.mark_read(caller.organisation, body.ids, actor=caller.actor)
    return {"marked": changed, "unread": store.unread_count(caller.organisation)}


def _names(services: Services, caller: Caller, entity_ids: list[str]) -> dict[str, str | None]:
    rows = sharing.read_entities(services, caller, entity_ids)
    return {str(r["entity_id"]): r.get("name") for r in rows}


def _described(services: Services, caller: Caller, rows: list[WatchLink]) -> list[dict[str, Any]]:
    """Alerts with what each names as the caller may see it now (``shown`` false: no longer)."""
    policy = sharing.Policy.load(services, caller)
    names = _names(services, caller, sorted({r.entity_id for r in rows} | _refs(rows, "link")))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, dataset in ALERT_SOURCES.items():
        refs = _refs(rows, kind)
        if refs:
            where = f"id IN {sharing.sql_list(sorted(refs))}"
            for got in sharing.read(services, caller, dataset, where=where, policy=policy):
                found[(kind, str(got["id"]))] = got
    out = []
    for r in rows:
        row = found.get((r.kind, r.ref))
        shown = r.entity_id in names and (row is not None or r.ref in names)
        out.append(
            {
                "id": r.id,
                "entity_id": r.entity_id,
                "entity_name": names.get(r.entity_id),
                "kind": r.kind,
                "ref": r.ref if shown else None,
                "what": _what(r, row, names) if shown else "no longer shared with you",
                "href": _href(r, row) if shown else None,
                "found_at": r.found_at.isoformat(),
                "read": r.read_at is not None,
                "shown": shown,
            }
        )
    return out


def _refs(rows: list[WatchLink], kind: str) -> set[str]:
    return {r.ref for r in rows if r.kind == kind}


def _what(alert: WatchLink, row: dict[str, Any] | None, names: dict[str, str | None]) -> str:
    """A line about the linked record, from its gated row's fields."""
    r = row or {}
    by_kind = {
        "mention": ("a new record", r.get("name"), r.get("role")),
        "seller": ("a new seller account", r.get("name"), r.get("source_key")),
        "watchlist": ("a new watchlist entry", r.get("name"), r.get("brand")),
        "shipment": ("a new shipment", r.get("source_key"), r.get("date"), r.get("description")),
        "seizure": ("a new seizure", r.get("goods_found"), r.get("brand"), r.get("date")),
        "listing": ("a new listing", r.get("title"), r.get("brand")),
        "link": ("newly linked to", names.get(alert.ref) or alert.ref),
    }
    parts = by_kind.get(alert.kind, (alert.kind,))
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _href(alert: WatchLink, row: dict[str, Any] | None) -> str:
    if alert.kind == "shipment":
        return f"/shipments/{alert.ref}"
    if alert.kind == "seizure" and row and row.get("shipment_ref"):
        return f"/shipments/{row['shipment_ref']}"
    if alert.kind == "link":
        return f"/entities/{alert.ref}"
    return f"/entities/{alert.entity_id}"
