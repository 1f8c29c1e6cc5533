"""Across the border: a seizure of goods shipped by a seller's resolved entity holds that
seller's listings of the seized brand for review, where a sharing agreement grants it.

A marketplace uses a seizure only when it may read it through the policy gate (dataset
``seizures``: its own, or a customs office's through an agreement whose fields include ``brand``
and ``shipment_ref``); a seizure it may not read holds nothing, so a hold never reveals one. The
link is the resolved entity (``ringfence resolve``): the seized shipment's shipper, seller or
importer and the marketplace's seller account are mentions of one entity. Each of that seller's
live listings claiming the seized brand is held (``source`` = ``border:<seizure id>``, audited)
unless an action is in force on it or that seizure already held it once (a released hold stays
released).
"""

from __future__ import annotations

from typing import Any

from ringfence.listings.actions import act
from ringfence.listings.queue import CLOSED
from ringfence.listings.service import lake_listings
from ringfence.marketplace.data import load_seller_data
from ringfence.service.sharing import Policy, sql_list
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

NEEDS = ("brand", "shipment_ref")
SEIZURES_SQL = """
SELECT o.*, s.organisation AS shipment_organisation, s.origin_country, s.port
FROM outcomes AS o JOIN shipments AS s ON s.id = o.shipment_ref
WHERE o.result = 'seized' AND o.positive AND o.brand IS NOT NULL
"""
ENTITIES_SQL = """
SELECT DISTINCT r.id AS shipment, em.entity_id AS entity FROM (
  SELECT id, shipper_ref AS ref FROM shipments UNION ALL SELECT id, seller_ref FROM shipments
  UNION ALL SELECT id, importer_ref FROM shipments
) AS r JOIN entity_mentions AS em ON em.mention_id = r.ref WHERE r.id IN {ids}
"""


def readable_seizures(settings: Settings, policy: Policy) -> list[dict[str, Any]]:
    """Seizures naming a brand that the policy lets its organisation read with brand and
    shipment, each with the resolved entities of the shipment's parties (``entities``)."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not all(lake.register(engine, d) for d in ("outcomes", "shipments", "entity_mentions")):
            return []
        rows = policy.visible("seizures", engine.query(SEIZURES_SQL).to_pylist())
        rows = [r for r in rows if all(r.get(name) for name in NEEDS)]
        if not rows:
            return []
        ids = sql_list(sorted({r["shipment_ref"] for r in rows}))
        links = engine.query(ENTITIES_SQL.format(ids=ids)).to_pylist()
    finally:
        engine.close()
    entities: dict[str, set[str]] = {}
    for link in links:
        entities.setdefault(link["shipment"], set()).add(link["entity"])
    return [{**r, "entities": entities.get(r["shipment_ref"], set())} for r in rows]


def border_holds(
    settings: Settings, store: OperationalStore, organisation: str, *, actor: str
) -> list[dict[str, Any]]:
    """Hold the organisation's listings that readable seizures point at; the holds made."""
    seizures = readable_seizures(settings, Policy.of_organisation(store, organisation))
    if not seizures:
        return []
    data = load_seller_data(settings, with_network=False)
    keys = dict(zip(data.sellers["id"], data.sellers["key"], strict=True))
    owners = data.sellers.set_index("id")["organisation"]
    by_entity: dict[str, set[str]] = {}
    for seller, entity in data.entity.items():
        if owners.get(seller) == organisation:
            by_entity.setdefault(str(entity), set()).add(str(keys[seller]))
    listings = lake_listings(settings)
    listings = listings[listings["organisation"] == organisation]
    status = listings["status"].fillna("").astype(str).str.strip().str.lower()
    listings = listings[~status.isin(CLOSED)]
    existing = store.listing_actions(organisation)
    busy = {a.listing for a in existing if a.state() == "active"}
    done = {(a.source, a.listing) for a in existing}
    made = []
    for seizure in seizures:
        sellers = set().union(*(by_entity.get(e, set()) for e in seizure["entities"]))
        brand = str(seizure["brand"]).strip().casefold()
        source = f"border:{seizure['id']}"[:64]
        hit = listings[
            listings["seller"].isin(sellers)
            & (listings["brand"].fillna("").str.strip().str.casefold() == brand)
        ]
        for listing in hit["listing"]:
            if listing in busy or (source, listing) in done:
                continue
            reason = (
                f"{seizure['organisation']} seized {seizure['brand']} goods shipped by this "
                f"seller's resolved entity (seizure {seizure['id']}); held for review"
            )
            made.append(
                act(
                    settings,
                    store,
                    organisation,
                    "hold",
                    reason=reason[:500],
                    actor=actor,
                    listing=listing,
                    source=source,
                )
            )
            busy.add(listing)
    return made
