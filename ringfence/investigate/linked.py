"""What links to one resolved entity, as one organisation may see it.

The entity's party records (``entity_mentions``: which records resolved into it) are the join;
every row shown comes from the policy gate (``sharing.read``/``visible``): the party records,
seller accounts and watchlist entries behind the entity, the shipments naming a party record the
caller may read, the seizures of those shipments, the listings of those seller accounts, the
marketplace actions on them, and the cases that hold the entity. A record the caller may not read
links nothing: a shipment of a party record it may not see is not shown, even when the shipment
itself is shared, since showing it would tell who the hidden party is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ringfence.errors import NotFoundError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import jsonable
from ringfence.store.operational.case_tables import CaseItem

# Shipment columns naming a party record.
PARTY_REFS = ("shipper_ref", "consignee_ref", "importer_ref", "declarant_ref", "seller_ref",
              "courier_ref")  # fmt: skip
# Party records of these roles stand for a record of another feed, with the role as prefix of
# the same source key ("seller:BZ1" is the seller account "BZ1" of the same organisation).
SELF_ROLES = {"seller": "sellers", "watchlist": "watchlist"}
MAX_MENTIONS = 5_000  # party records of one entity looked at (a hub beyond is cut)
MAX_ROWS = 1_000  # rows of each kind shown
# The entity's listings (or seller accounts) per read of their marketplace actions, and the most
# actions read per listing or account: the entity's own actions, not the newest 10,000 of its
# marketplaces, which lost an older listing's take-down from sight.
ACTION_READ_KEYS = 500
ACTIONS_PER_KEY = 1_000


@dataclass
class Linked:
    """Everything linked to an entity that the caller may see (rows as the gate passed them)."""

    entity: dict[str, Any]
    mentions: list[dict[str, Any]] = field(default_factory=list)
    sellers: list[dict[str, Any]] = field(default_factory=list)
    watchlist: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    seizures: list[dict[str, Any]] = field(default_factory=list)
    listings: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)

    def keys(self) -> set[tuple[str, str]]:
        """(kind, id) of every linked record: what a watch compares between checks."""
        found = {("mention", str(r["id"])) for r in self.mentions}
        found |= {("seller", str(r["id"])) for r in self.sellers}
        found |= {("watchlist", str(r["id"])) for r in self.watchlist}
        found |= {("shipment", str(r["id"])) for r in self.shipments}
        found |= {("seizure", str(r["id"])) for r in self.seizures}
        found |= {("listing", str(r["id"])) for r in self.listings}
        return found


def linked(
    services: Services,
    caller: Caller,
    entity_id: str,
    policy: sharing.Policy | None = None,
) -> Linked:
    """What links to ``entity_id`` for ``caller`` (404 unless it may read the entity)."""
    policy = policy or sharing.Policy.load(services, caller)
    rows = sharing.read_entities(services, caller, [entity_id], policy=policy)
    if not rows:
        raise NotFoundError(f"no entity {entity_id!r} that you may read")
    rows[0].pop(sharing.PARTS, None)
    out = Linked(entity=jsonable(rows[0]))
    mentions = _mention_rows(services, entity_id)
    by_feed: dict[str, list[dict[str, Any]]] = {}
    for m in mentions:
        by_feed.setdefault(SELF_ROLES.get(str(m.get("role")), "parties"), []).append(m)

    def read(name: str, where: str, order_by: str | None = None) -> list[dict[str, Any]]:
        found = sharing.read(services, caller, name, where=where, order_by=order_by, policy=policy)
        return [jsonable(r) for r in found[:MAX_ROWS]]

    ids = [str(m["mention_id"]) for m in by_feed.get("parties", [])]
    out.mentions = read("parties", f"id IN {sharing.sql_list(ids)}") if ids else []
    for name, role in (("sellers", "seller"), ("watchlist", "watchlist")):
        keyed = by_feed.get(name, [])
        if keyed:
            setattr(out, name, read(name, _self_keys_where(keyed, role)))
    party_ids = [str(r["id"]) for r in out.mentions]
    if party_ids:
        listed = sharing.sql_list(party_ids)
        where = " OR ".join(f"{ref} IN {listed}" for ref in PARTY_REFS)
        out.shipments = read("shipments", where, order_by="date DESC, id")
    shipment_ids = [str(r["id"]) for r in out.shipments]
    if shipment_ids:
        out.seizures = read("seizures", f"shipment_ref IN {sharing.sql_list(shipment_ids)}")
    seller_ids = [str(r["id"]) for r in out.sellers]
    if seller_ids:
        where = f"seller_ref IN {sharing.sql_list(seller_ids)}"
        out.listings = read("listings", where, order_by="listed_at DESC NULLS LAST, id")
    out.actions = _actions(services, caller, policy, out)
    out.cases = _cases(services, caller, policy, entity_id, out)
    return out


def _mention_rows(services: Services, entity_id: str) -> list[dict[str, Any]]:
    """The entity's party records (id, organisation, role, source key): the join only, never
    shown; what is shown of them is read through the gate."""
    sql = (
        "SELECT mention_id, organisation, role, source_key FROM entity_mentions "
        f"WHERE entity_id = {sharing.sql_text(entity_id)} ORDER BY mention_id "
        f"LIMIT {MAX_MENTIONS}"
    )
    return sharing.query_lake(services, ("entity_mentions",), sql)


def _self_keys_where(mentions: list[dict[str, Any]], role: str) -> str:
    """SQL matching the records of another feed the ``role`` party records stand for."""
    keys: dict[str, list[str]] = {}
    prefix = f"{role}:"
    for m in mentions:
        key = str(m.get("source_key") or "")
        if key.startswith(prefix):
            keys.setdefault(str(m["organisation"]), []).append(key.removeprefix(prefix))
    if not keys:
        return "FALSE"
    return " OR ".join(
        f"(organisation = {sharing.sql_text(org)} AND source_key IN {sharing.sql_list(ks)})"
        for org, ks in sorted(keys.items())
    )


def _actions(
    services: Services, caller: Caller, policy: sharing.Policy, out: Linked
) -> list[dict[str, Any]]:
    """Marketplace actions on the entity's listings and seller accounts the caller may see."""
    listings = {str(r["id"]) for r in out.listings}
    sellers = {str(r["id"]) for r in out.sellers}
    if not listings and not sellers:
        return []
    owners = policy.owners("listing_actions")
    found: dict[int, Any] = {}
    for by_listing, values in ((True, sorted(listings)), (False, sorted(sellers))):
        for start in range(0, len(values), ACTION_READ_KEYS):
            part = values[start : start + ACTION_READ_KEYS]
            limit = ACTIONS_PER_KEY * len(part)
            if by_listing:
                actions = services.store.listing_actions(owners, listing=part, limit=limit)
            else:
                actions = services.store.listing_actions(owners, seller=part, limit=limit)
            found.update((a.id, a) for a in actions)
    rows = [found[i].to_dict() for i in sorted(found, reverse=True)]
    return sharing.visible(services, caller, "listing_actions", rows, policy=policy)[:MAX_ROWS]


def _cases(
    services: Services, caller: Caller, policy: sharing.Policy, entity_id: str, out: Linked
) -> list[dict[str, Any]]:
    """Cases holding the entity (or its shipments, listings, seller accounts), as the gate
    lets the caller see them; each with what it holds of the entity."""
    from ringfence.cases.views import case_summary

    refs = {("entity", entity_id)}
    refs |= {("shipment", str(r["id"])) for r in out.shipments}
    refs |= {("listing", str(r["id"])) for r in out.listings}
    refs |= {("seller", str(r["id"])) for r in out.sellers}
    wanted = {ref for _, ref in refs}
    with services.store._transaction("reading cases of an entity") as session:
        items = [
            (i.case_id, i.kind, i.ref)
            for i in session.scalars(select(CaseItem).where(CaseItem.ref.in_(list(wanted))))
            if (i.kind, i.ref) in refs
        ]
    holding: dict[str, list[str]] = {}
    for case_id, kind, ref in items:
        holding.setdefault(case_id, []).append(f"{kind} {ref}")
    # Gated with what the case holds of the entity: a partner's case is listed only when its
    # agreement shares the items (a title and status alone do not say what a case is about).
    rows = [
        {**case_summary(services.store.case(case_id)), "items": holding[case_id]}
        for case_id in sorted(holding)
    ]
    own = caller.organisation  # what a partner's case holds and does is its own business
    shown = [
        {k: v for k, v in row.items() if k != "items"}
        for row in sharing.visible(services, caller, "cases", rows, policy=policy)
        if row.get("organisation") == own or row.get("items")
    ]
    return [
        {
            **row,
            "holds": holding[row["id"]] if row.get("organisation") == own else [],
            "events": _case_events(services, row["id"], wanted)
            if row.get("organisation") == own
            else [],
        }
        for row in shown
    ]


def _case_events(services: Services, case_id: str, refs: set[str]) -> list[dict[str, Any]]:
    """An own case's history as far as it concerns the entity: its records added, and the
    case's status changes (from the audit chain)."""
    out = []
    for entry in services.store.case_history(case_id):
        detail = entry.detail
        if entry.action == "case.add" and detail.get("ref") in refs:
            what = f"added to the case: {detail.get('kind')} {detail.get('ref')}"
        elif entry.action == "case.status":
            what = f"case {detail.get('to')}" + (
                f": {detail['reason']}" if detail.get("reason") else ""
            )
        else:
            continue
        out.append({"at": entry.at.isoformat(), "what": what, "by": entry.actor})
    return out
