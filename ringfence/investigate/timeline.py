"""An entity's timeline: everything linked to it, in date order, from rows the gate passed.

Each event: ``at`` (ISO date or time), ``kind``, ``text`` (built from the shown row's own
fields only), ``organisation`` (whose record it is) and ``href`` (a page, when there is one).
A value the caller may not see is absent from its row, so it cannot reach an event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ringfence.investigate.linked import Linked

MAX_EVENTS = 500


def _when(value: Any) -> str | None:
    """An ISO date/time text, or None."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _sort_key(at: str) -> str:
    """Dates and times compared as text: a date sorts before the times of its day."""
    return at.replace(" ", "T")


def _event(at: Any, kind: str, text: str, row: dict[str, Any], href: str | None = None) -> Any:
    when = _when(at)
    if when is None:
        return None
    return {
        "at": when,
        "kind": kind,
        "text": text,
        "organisation": row.get("organisation"),
        "href": href,
    }


def _words(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, "", []))


def _first_seen(linked: Linked, events: list[Any]) -> Iterable[Any]:
    """Per organisation, when it first saw the entity: its earliest dated record of it (a
    shipment, listing, account, watchlist entry), else when its record reached Ringfence."""
    first: dict[str, str] = {}
    for event in events:
        if event["kind"] in ("case", "action"):
            continue
        org = event["organisation"]
        if org and (org not in first or _sort_key(event["at"]) < _sort_key(first[org])):
            first[org] = event["at"]
    named: dict[str, dict[str, Any]] = {}
    for row in [*linked.mentions, *linked.sellers, *linked.watchlist]:
        org = row.get("organisation")
        if org is not None and org not in named:
            named[str(org)] = row
            arrived = _when(row.get("ingested_at"))
            if org not in first and arrived is not None:
                first[str(org)] = arrived
    for org, at in first.items():
        name = named.get(org, {}).get("name")
        yield _event(at, "first_seen", _words("first seen", name), {"organisation": org})


def timeline(linked: Linked) -> list[dict[str, Any]]:
    """The entity's events, oldest first (at most ``MAX_EVENTS``, the newest kept)."""
    events: list[Any] = []
    for s in linked.shipments:
        route = "→".join(
            str(c) for c in (s.get("origin_country"), s.get("destination_country")) if c
        )
        events.append(_event(s.get("date"), "shipment", _words(
            f"{s.get('kind') or 'shipment'} {s.get('source_key') or s['id']}",
            route, s.get("description")), s, f"/shipments/{s['id']}"))  # fmt: skip
    for o in linked.seizures:
        events.append(_event(o.get("date"), "seizure", _words(
            "seized", o.get("goods_found"), o.get("brand"),
            f"{o['units']} units" if o.get("units") else None), o,
            f"/shipments/{o['shipment_ref']}" if o.get("shipment_ref") else None))  # fmt: skip
    for li in linked.listings:
        events.append(_event(li.get("listed_at"), "listing",
                             _words("listed", li.get("title"), li.get("brand")), li))  # fmt: skip
    for se in linked.sellers:
        opened = _words("seller account opened", se.get("source_key"))
        events.append(_event(se.get("registered_at"), "seller", opened, se))
    for w in linked.watchlist:
        events.append(_event(w.get("confirmed_at") or w.get("ingested_at"), "watchlist",
                             _words("watchlisted", w.get("confirmed_by"), w.get("brand"),
                                    w.get("evidence_ref")), w))  # fmt: skip
    for a in linked.actions:
        events.append(_event(a.get("created_at"), "action", _words(
            str(a.get("kind") or "action").replace("_", " "), a.get("reason")), a))  # fmt: skip
        if a.get("ended_at"):
            events.append(_event(a.get("ended_at"), "action", _words(
                f"{str(a.get('kind') or 'action').replace('_', ' ')} ended",
                a.get("end_reason")), a))  # fmt: skip
    for c in linked.cases:
        text = _words("case opened", c.get("title"))
        events.append(_event(c.get("opened_at"), "case", text, c, f"/cases/{c['id']}"))
        for step in c.get("events") or []:
            said = _words(step["what"], c.get("title"))
            events.append(_event(step["at"], "case", said, c, f"/cases/{c['id']}"))
    dated = [e for e in events if e is not None]
    dated += [e for e in _first_seen(linked, dated) if e is not None]
    kept = sorted(dated, key=lambda e: (_sort_key(e["at"]), e["kind"] != "first_seen"))
    return kept[-MAX_EVENTS:]
