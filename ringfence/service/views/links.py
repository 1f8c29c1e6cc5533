"""Which values of network links the caller may see: each through the policy gate.

A link between two entities carries a value taken from records: a phone, an e-mail, a bank
account or an address of party records, a product code of marketplace listings, or a trade
relation ("shipper→consignee") of shipments. Such a value is shown only when the caller may read
that field of at least one record carrying it (each record judged by its owner's grants); it
is then shown as written in a record the caller may read. Otherwise the link keeps its kind and
loses its value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ringfence.resolve.network.edges import SHIPMENT_ROLES, party_identifiers_sql
from ringfence.service import sharing
from ringfence.service.context import Services

# The party fields an identifier link's value is made of.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "phone": ("phone",),
    "email": ("email",),
    "bank_account": ("bank_account",),
    "identifier": ("identifier",),
    "website": ("website",),
    "address": ("street", "city", "country"),
}


@dataclass(frozen=True)
class Link:
    """One link of the network between two entities, as the graph stores it."""

    source: str
    target: str
    kind: str | None
    value: str | None
    src: str | None = None  # trade links: the entity of ``src_role``
    dst: str | None = None
    src_role: str | None = None
    dst_role: str | None = None


def link_values(
    services: Services, policy: sharing.Policy, links: list[Link], mentions: pa.Table
) -> list[str | None]:
    """Each link's value as the caller may see it (None where no readable record carries it).

    ``mentions`` is the network's mention table (mention id → entity id).
    """
    valued = [link for link in links if link.value is not None]
    entities = sorted({e for link in valued for e in (link.source, link.target)})
    if not entities:
        return [None for _ in links]
    of_entity = _mentions(mentions, entities)
    ids = sorted({m for ms in of_entity.values() for m in ms})
    kinds = {link.kind for link in valued}
    datasets = ("parties", "shipments", "listings", "sellers", "party_links")
    with sharing.lake_session(services, datasets) as run:
        identifiers = _identifiers(run, policy, ids) if kinds & set(KIND_FIELDS) else {}
        trades = _trades(run, policy, of_entity, ids) if "trade" in kinds else set()
        products = _products(run, policy, ids) if "product" in kinds else {}
        relations = _relations(run, policy, of_entity, ids) if "relation" in kinds else set()
    out: list[str | None] = []
    for link in links:
        ends = (of_entity.get(link.source, set()), of_entity.get(link.target, set()))
        if link.value is None:
            out.append(None)
        elif link.kind in KIND_FIELDS:
            out.append(_identifier_value(link, ends, identifiers))
        elif link.kind == "trade":
            key = (link.src, link.src_role, link.dst, link.dst_role)
            out.append(link.value if key in trades else None)
        elif link.kind == "relation":
            pair = (link.src or link.source, link.dst or link.target, link.value)
            out.append(link.value if pair in relations else None)
        elif link.kind == "product":
            readable = products.get(link.value, set())
            out.append(link.value if readable & (ends[0] | ends[1]) else None)
        else:
            out.append(None)
    return out


def _mentions(mentions: pa.Table, entities: list[str]) -> dict[str, set[str]]:
    """Entity id → its party mention ids, from the network's mention table."""
    wanted = mentions.filter(pc.is_in(mentions.column("entity_id"), pa.array(entities)))
    found: dict[str, set[str]] = defaultdict(set)
    for mention, entity in zip(
        wanted.column("mention_id").to_pylist(), wanted.column("entity_id").to_pylist(), strict=True
    ):
        found[entity].add(mention)
    return dict(found)


@dataclass
class _Carried:
    """Who carries one identifier key: every mention, and the readable written forms."""

    raws: set[str]
    readable: dict[str, str]  # mention id → written form, for records the caller may read


def _identifiers(
    run: sharing.LakeQuery, policy: sharing.Policy, ids: list[str]
) -> dict[tuple[str, str], dict[str, _Carried]]:
    """(kind, mention) → {key → carriers}: identifiers of the mentions, with readability."""
    where = f"p.id IN {sharing.sql_list(ids)}"
    rows = run(party_identifiers_sql(where), ("parties",))
    parties = run(f"SELECT * FROM parties AS p WHERE {where}", ("parties",))
    readable = {p["id"]: p for p in policy.visible("parties", parties)}
    by_key: dict[tuple[str, str], _Carried] = {}
    of_mention: dict[tuple[str, str], dict[str, _Carried]] = defaultdict(dict)
    for row in rows:
        if not row["value"]:
            continue
        kind, mention = row["kind"], row["mention_id"]
        carried = by_key.setdefault((kind, row["value"]), _Carried(set(), {}))
        carried.raws.add(str(row["raw"]))
        party = readable.get(mention)
        if party is not None and all(f in party for f in KIND_FIELDS[kind]):
            carried.readable[mention] = str(row["raw"])
        of_mention[(kind, mention)][row["value"]] = carried
    return of_mention


def _identifier_value(
    link: Link,
    ends: tuple[set[str], set[str]],
    identifiers: dict[tuple[str, str], dict[str, _Carried]],
) -> str | None:
    """The link's value in a readable written form, if both ends carry it and one is readable."""
    kind = str(link.kind)

    def keys(mentions: set[str]) -> dict[str, _Carried]:
        out: dict[str, _Carried] = {}
        for mention in mentions:
            out.update(identifiers.get((kind, mention), {}))
        return out

    source, target = keys(ends[0]), keys(ends[1])
    shared = {k: c for k, c in source.items() if k in target}
    chosen = [c for c in shared.values() if link.value in c.raws]
    carried = chosen[0] if chosen else (next(iter(shared.values())) if len(shared) == 1 else None)
    if carried is None:
        return None
    forms = [form for mention, form in carried.readable.items() if mention in ends[0] | ends[1]]
    return min(forms) if forms else None


def _trades(
    run: sharing.LakeQuery, policy: sharing.Policy, mentions: dict[str, set[str]], ids: list[str]
) -> set[tuple[str, str, str, str]]:
    """(src entity, src role, dst entity, dst role) the caller may read a shipment record of."""
    refs = " OR ".join(f"{role}_ref IN {sharing.sql_list(ids)}" for role in SHIPMENT_ROLES)
    rows = run(f"SELECT * FROM shipments WHERE {refs}", ("shipments",))
    entity_of = {m: e for e, ms in mentions.items() for m in ms}
    consignments: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in policy.visible("shipments", rows):
        consignment = str(row.get("tracking_number") or row["id"])
        for role in SHIPMENT_ROLES:
            ref = row.get(f"{role}_ref")
            if ref in entity_of:
                consignments[consignment].add((entity_of[ref], role))
    return {
        (a, role_a, b, role_b)
        for present in consignments.values()
        for a, role_a in present
        for b, role_b in present
        if a != b
    }


def _relations(
    run: sharing.LakeQuery, policy: sharing.Policy, mentions: dict[str, set[str]], ids: list[str]
) -> set[tuple[str, str, str]]:
    """(source entity, target entity, kind) of the stated relations the caller may read."""
    keys = " OR ".join(
        f"l.organisation = p.organisation AND p.source_key IN ({k}, 'watchlist:' || {k}, "
        f"'seller:' || {k})"
        for k in ("l.party", "l.other_party")
    )
    sql = (
        "SELECT l.*, p.id AS rf_mention, p.source_key AS rf_key FROM party_links AS l "
        f"JOIN parties AS p ON ({keys}) WHERE p.id IN {sharing.sql_list(ids)}"
    )
    rows = run(sql, ("party_links", "parties"))
    entity_of = {m: e for e, ms in mentions.items() for m in ms}
    ends: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        end = "party" if row["rf_key"].split(":", 1)[-1] == row["party"] else "other_party"
        ends[row["id"]][end] = entity_of.get(row["rf_mention"], "")
        ends[row["id"]]["kind"] = row["kind"]
    visible = {row["id"] for row in policy.visible("party_links", rows)}
    return {
        (e["party"], e["other_party"], e["kind"])
        for link_id, e in ends.items()
        if link_id in visible and "party" in e and "other_party" in e
    }


def _products(
    run: sharing.LakeQuery, policy: sharing.Policy, ids: list[str]
) -> dict[str, set[str]]:
    """Product code → seller mentions with a listing of it whose code the caller may read."""
    sql = (
        "SELECT l.*, p.id AS rf_mention FROM listings AS l "
        "JOIN sellers AS s ON s.id = l.seller_ref "
        "JOIN parties AS p ON p.organisation = s.organisation "
        "AND p.source_key = 'seller:' || s.source_key "
        f"WHERE p.id IN {sharing.sql_list(ids)} AND l.gtin IS NOT NULL"
    )
    rows: list[dict[str, Any]] = run(sql, ("listings", "sellers", "parties"))
    mention_of = {(r["id"], r["organisation"]): r.pop("rf_mention") for r in rows}
    readable: dict[str, set[str]] = defaultdict(set)
    for row in policy.visible("listings", rows):
        if row.get("gtin") is not None:
            readable[str(row["gtin"])].add(mention_of[(row["id"], row["organisation"])])
    return dict(readable)
