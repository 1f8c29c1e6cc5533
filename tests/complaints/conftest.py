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
