"""Marketplace actions as the CLI and the API take them: checked against the lake, stored,
audited.

A marketplace acts only on its own listings and sellers: the listing (or seller) must be in the
lake under the acting organisation, else ``NotFoundError`` (nothing says whether another
organisation has it). An action lasts until its expiry (default ``listing_action_days`` from
now; a date alone means the end of that day, UTC) unless released or reinstated before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ringfence.errors import NotFoundError, UserError
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.listings import ActionDraft
from ringfence.store.operational.tables import utcnow

MAX_DAYS = 366


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def expiry(value: str | dt.date | dt.datetime | None, days: int) -> dt.datetime:
    """When an action lapses: ``value`` (a date means the end of that day, UTC), or ``days``
    from now; ``UserError`` for an unreadable value, one in the past or beyond a year."""
    now = utcnow()
    if value is None:
        return now + dt.timedelta(days=days)
    if isinstance(value, str):
        text = value
        try:
            value = (
                dt.datetime.fromisoformat(text) if "T" in text or " " in text
                else dt.date.fromisoformat(text)
            )  # fmt: skip
        except ValueError:
            raise UserError(f"expiry {text[:40]!r} is not a date (YYYY-MM-DD) or time") from None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value + dt.timedelta(days=1), dt.time(), dt.UTC)
    when = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if when <= now:
        raise UserError(f"expiry {when.isoformat()} is not in the future")
    if when > now + dt.timedelta(days=MAX_DAYS):
        raise UserError(f"expiry {when.date().isoformat()} is more than {MAX_DAYS} days away")
    return when


def own_listing(settings: Settings, organisation: str, listing: str) -> dict[str, Any]:
    """The organisation's listing (its key, seller key, brand, GTIN); ``NotFoundError`` else."""
    rows = _lake(settings, f"""
        SELECT l.source_key AS listing, {{seller}} AS seller, l.brand, l.gtin FROM listings AS l
        {{join}} WHERE l.organisation = {_quoted(organisation)}
        AND l.source_key = {_quoted(listing)} LIMIT 1""")  # fmt: skip
    if not rows:
        raise NotFoundError(f"no listing {listing[:200]!r} of {organisation}")
    return rows[0]


def own_seller(settings: Settings, organisation: str, seller: str) -> None:
    """``NotFoundError`` unless ``seller`` is one of the organisation's sellers (or listed)."""
    rows = _lake(settings, f"""
        SELECT 1 AS found FROM listings AS l {{join}} WHERE l.organisation = {_quoted(organisation)}
        AND {{seller}} = {_quoted(seller)} LIMIT 1""")  # fmt: skip
    lake = Lake(settings)
    if not rows and lake.has("sellers"):
        engine = open_engine(settings)
        try:
            lake.register(engine, "sellers")
            rows = engine.query(
                f"SELECT 1 AS found FROM sellers WHERE organisation = {_quoted(organisation)}"
                f" AND source_key = {_quoted(seller)} LIMIT 1"
            ).to_pylist()
        finally:
            engine.close()
    if not rows:
        raise NotFoundError(f"no seller {seller[:200]!r} of {organisation}")


def _lake(settings: Settings, sql: str) -> list[dict[str, Any]]:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "listings"):
            return []
        if lake.register(engine, "sellers"):
            seller, join = "s.source_key", "LEFT JOIN sellers AS s ON s.id = l.seller_ref"
        else:
            seller, join = "l.seller_ref", ""
        return engine.query(sql.format(seller=seller, join=join)).to_pylist()
    finally:
        engine.close()


def act(
    settings: Settings,
    store: OperationalStore,
    organisation: str,
    kind: str,
    *,
    reason: str,
    actor: str,
    listing: str | None = None,
    seller: str | None = None,
    gtin: str | None = None,
    expires: str | dt.date | dt.datetime | None = None,
    source: str = "manual",
) -> dict[str, Any]:
    """Take action ``kind`` on the organisation's own listing or seller; the stored action."""
    until = expiry(expires, settings.listing_action_days)
    brand = None
    if kind in ("hold", "take_down"):
        if not listing:
            raise UserError(f"a {kind} needs its listing")
        found = own_listing(settings, organisation, listing)
        seller, gtin, brand = found["seller"], found["gtin"], found["brand"]
    elif kind in ("hold_stock", "suspend"):
        if not seller:
            raise UserError(f"a {kind} needs its seller")
        own_seller(settings, organisation, seller)
        listing = None
    draft = ActionDraft(organisation, kind, reason, until, listing, seller, gtin, brand, source)
    return store.take_listing_action(draft, actor=actor).to_dict()


def end(
    store: OperationalStore, organisation: str, action_id: int, ending: str, *, reason: str,
    actor: str,
) -> dict[str, Any]:  # fmt: skip
    """Release a hold or reinstate a take-down or suspension of the organisation's own."""
    if ending not in ("release", "reinstate"):
        raise UserError(f"unknown ending {ending!r}; use release or reinstate")
    return store.end_listing_action(organisation, action_id, ending, reason=reason,
                                    actor=actor).to_dict()  # fmt: skip
