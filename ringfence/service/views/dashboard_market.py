"""The marketplace's dashboard part: its sellers and listings seen at the border.

A seller is *seen at the border* when resolution put its account in one party with a mention a
border partner (customs, a carrier) supplied: a declaration's importer, a manifest's shipper.
Which organisations mention a resolved party is read from the ``entities`` dataset through the
policy gate, so only partners that share which parties they know (the ``organisations`` field
of ``entities``) can show a seller as seen (``border_partners``); with none, "seen at the
border" is reported as not shared.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ringfence.errors import RingfenceError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.dashboard_roles import BORDER_KINDS, MarketplaceView, SellerSeen

MAX_ROWS = 50
RISKY = 0.5  # network risk from which a seller is listed even when not seen at the border


def _seller_entities(services: Services, caller: Caller) -> dict[str, str]:
    """The caller's own seller ids → their resolved entity (each seller is a party mention
    keyed ``seller:<source key>``)."""
    rows = sharing.query_lake(
        services,
        ("sellers", "parties", "entity_mentions"),
        "SELECT s.id, m.entity_id FROM sellers s "
        "JOIN parties p ON p.organisation = s.organisation "
        "AND p.source_key = 'seller:' || s.source_key "
        "JOIN entity_mentions m ON m.mention_id = p.id "
        f"WHERE s.organisation = {sharing.sql_text(caller.organisation)}",
    )
    return {r["id"]: r["entity_id"] for r in rows}


def _border_organisations(services: Services, caller: Caller, names: list[str]) -> list[str]:
    out = []
    for name in names:
        if name == caller.organisation:
            continue
        try:
            kind = services.organisation(name).kind
        except RingfenceError:
            continue
        if kind in BORDER_KINDS:
            out.append(name)
    return out


def marketplace_view(services: Services, caller: Caller) -> tuple[MarketplaceView, list[str]]:
    """The marketplace's sellers seen at the border, or watchlisted, or with a network risk of
    at least ``RISKY`` (seen first, then by risk), and what is not shared with it."""
    policy = sharing.Policy.load(services, caller)
    own = f"organisation = {sharing.sql_text(caller.organisation)}"
    sellers = sharing.read(services, caller, "sellers", where=own, policy=policy)
    listings = sharing.read(services, caller, "listings", where=own, policy=policy)
    per_seller = Counter(str(x.get("seller_ref")) for x in listings)
    active = Counter(str(x.get("seller_ref")) for x in listings if x.get("status") == "active")
    entity_of = _seller_entities(services, caller)
    ids = sorted(set(entity_of.values()))
    entities = {
        e["entity_id"]: e
        for e in (
            sharing.read(
                services,
                caller,
                "entities",
                where=f"entity_id IN {sharing.sql_list(ids)}",
                policy=policy,
            )
            if ids
            else []
        )
    }
    sharing_who = {
        g.owner
        for g in policy.grants.get("entities", [])
        if g.fields is None or "organisations" in g.fields
    }
    partners = _border_organisations(services, caller, sorted(sharing_who))
    not_shared = [] if partners else ["seen_by"]
    seen: dict[str, SellerSeen] = {}
    for seller in sellers:
        entity = entities.get(entity_of.get(seller["id"], ""))
        if entity is None:
            continue
        border = _border_organisations(services, caller, entity.get("organisations") or [])
        risky = bool(entity.get("watchlisted")) or (entity.get("network_risk") or 0) >= RISKY
        if not border and not risky:
            continue
        row = seen.setdefault(entity["entity_id"], _seen(entity, border))
        row.seller_keys.append(str(seller.get("source_key") or seller["id"]))
        row.listings += per_seller[seller["id"]]
        row.active_listings += active[seller["id"]]
    rows = sorted(
        seen.values(),
        key=lambda r: (not r.seen_by, not r.watchlisted, -(r.network_risk or 0), r.name or ""),
    )
    return (
        MarketplaceView(
            sellers=len(sellers),
            sellers_seen=sum(len(r.seller_keys) for r in rows if r.seen_by),
            listings=len(listings),
            listings_seen=sum(r.listings for r in rows if r.seen_by),
            border_partners=partners,
            rows=rows[:MAX_ROWS],
        ),
        not_shared,
    )


def _seen(entity: dict[str, Any], border: list[str]) -> SellerSeen:
    return SellerSeen(
        entity_id=entity["entity_id"],
        name=entity.get("name"),
        seller_keys=[],
        seen_by=border,
        listings=0,
        active_listings=0,
        watchlisted=entity.get("watchlisted"),
        network_risk=entity.get("network_risk"),
    )
