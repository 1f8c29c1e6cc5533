"""The service world (simulated, ingested, resolved) with its brands registered: what the
complaint tests file notices in."""

from __future__ import annotations

from typing import Any

from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from tests.service.conftest import built_lake, scratch_world  # noqa: F401 - fixtures
from tests.service.world import World


def of_kind(world: World, kind: str) -> list[str]:
    """The world's organisations of one kind, by slug."""
    return sorted(slug for slug, k in world.kinds.items() if k == kind)


def listings_of(world: World, market: str, brand: str) -> list[dict[str, Any]]:
    """The marketplace's listings claiming ``brand``: listing key, seller key, price."""
    lake, engine = Lake(world.settings), open_engine(world.settings)
    try:
        lake.register(engine, "listings")
        lake.register(engine, "sellers")
        return engine.query(
            "SELECT l.source_key AS listing, s.source_key AS seller, l.price, l.gtin"
            " FROM listings l"
            " JOIN sellers s ON s.id = l.seller_ref"
            f" WHERE l.organisation = '{market}' AND l.brand = '{brand}' ORDER BY l.source_key"
        ).to_pylist()
    finally:
        engine.close()


def catalogue(world: World, brand: str) -> tuple[float, set[str]]:
    """The brand's lowest genuine price and its authorised seller keys, from the lake."""
    lake, engine = Lake(world.settings), open_engine(world.settings)
    try:
        lake.register(engine, "products")
        rows = engine.query(
            f"SELECT price_min, authorised_sellers FROM products WHERE brand = '{brand}'"
        ).to_pylist()
    finally:
        engine.close()
    floor = min(r["price_min"] for r in rows if r["price_min"] is not None)
    return floor, {s for r in rows for s in (r["authorised_sellers"] or [])}


def new_upheld_views(world: World, market: str, listings: list[str]) -> int:
    """Page views of ``listings`` that had no upheld notice in the lake's register."""
    lake, engine = Lake(world.settings), open_engine(world.settings)
    keys = ", ".join(f"'{k}'" for k in listings)
    try:
        for name in ("pageviews", "listings", "complaints"):
            lake.register(engine, name)
        rows = engine.query(
            "SELECT coalesce(sum(p.views), 0) AS n FROM pageviews p JOIN listings l"
            f" ON l.id = p.listing_ref WHERE l.organisation = '{market}'"
            f" AND l.source_key IN ({keys}) AND p.views > 0 AND NOT EXISTS (SELECT 1 FROM"
            " complaints c WHERE c.listing_ref = l.id AND c.decision = 'upheld')"
        ).to_pylist()
    finally:
        engine.close()
    return int(rows[0]["n"])
