"""Across the border: a customs seizure holds the listings of the seized brand by sellers whose
resolved entity shipped the goods, only once an agreement lets the marketplace read the seizure's
brand and shipment, once per seizure and listing."""

from __future__ import annotations

from ringfence.listings.border import border_holds
from ringfence.model.records.base import make_id
from ringfence.store.operational import OperationalStore
from tests.service.world import World, lake_rows


def _expected(world: World, market: str, customs: str) -> set[str]:
    """Listings the seizures point at, worked out from the lake alone."""
    seized = lake_rows(
        world.settings,
        "outcomes",
        f"""
        SELECT shipment_ref, lower(brand) AS brand FROM outcomes WHERE organisation = '{customs}'
        AND positive AND result = 'seized' AND brand IS NOT NULL""",
    )
    parties = {
        r["id"]: r
        for r in lake_rows(
            world.settings,
            "shipments",
            "SELECT id, shipper_ref, seller_ref, importer_ref FROM shipments",
        )
    }
    mentions = {
        r["mention_id"]: r["entity_id"]
        for r in lake_rows(
            world.settings, "entity_mentions", "SELECT mention_id, entity_id FROM entity_mentions"
        )
    }
    sellers = {
        mentions.get(make_id(market, "parties", f"seller:{r['source_key']}")): r["id"]
        for r in lake_rows(
            world.settings,
            "sellers",
            f"SELECT id, source_key FROM sellers WHERE organisation = '{market}'",
        )
    }
    listings = lake_rows(
        world.settings,
        "listings",
        f"""
        SELECT source_key, seller_ref, lower(brand) AS brand, status FROM listings
        WHERE organisation = '{market}'""",
    )
    out = set()
    for seizure in seized:
        shipment = parties[seizure["shipment_ref"]]
        entities = {
            mentions.get(shipment[k]) for k in ("shipper_ref", "seller_ref", "importer_ref")
        }
        ids = {sellers[e] for e in entities if e in sellers and e is not None}
        out |= {
            r["source_key"]
            for r in listings
            if r["seller_ref"] in ids
            and r["brand"] == seizure["brand"]
            and (r["status"] or "").lower() not in ("removed", "closed")
        }
    return out


def test_a_seizure_holds_the_entitys_listings_of_the_brand_once_granted(
    scratch_world: World,
) -> None:
    world = scratch_world
    market = next(o for o, k in sorted(world.kinds.items()) if k == "marketplace")
    customs = "customs-nl"
    expected = _expected(world, market, customs)
    assert expected, "the world has a seller whose entity shipped seized goods of its brand"
    with OperationalStore.open(world.settings) as store:
        assert border_holds(world.settings, store, market, actor="t") == []  # not shared
        store.create_sharing_agreement(
            owner=customs,
            recipient=market,
            dataset="seizures",
            fields=["shipment_ref", "date"],
            actor="t",
        )
        assert border_holds(world.settings, store, market, actor="t") == []  # brand not shared
        store.create_sharing_agreement(
            owner=customs, recipient=market, dataset="seizures", fields=["brand"], actor="t"
        )
        held = border_holds(world.settings, store, market, actor="t")
        assert {h["listing"] for h in held} == expected
        assert all(h["kind"] == "hold" and h["source"].startswith("border:") for h in held)
        assert all(customs in h["reason"] for h in held)
        assert border_holds(world.settings, store, market, actor="t") == []  # once
        store.end_listing_action(market, held[0]["id"], "release", reason="invoices", actor="t")
        assert border_holds(world.settings, store, market, actor="t") == []  # stays released
        audited = [e for e in store.audit_entries() if e.action == "listing.hold"]
    assert len(audited) == len(expected)
