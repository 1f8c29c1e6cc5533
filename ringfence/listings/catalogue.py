"""What a listing claims, judged against the brand catalogue, as ``marketplace.data`` does.

The seller-risk model's listing features (``listings_unauthorised``, ``listings_below_genuine``,
``listings_protected``, ``listings_min_price_ratio``) are computed in SQL for the lake's listings
(``marketplace.data.LISTINGS_SQL``); here the same rules are applied to one listing at a time, so
a listing can be scored the moment it is created: a brand claimed by a seller not among the
brand's products' ``authorised_sellers``, a price under ``FAR_BELOW`` of the brand's lowest
``price_min``, the GTIN of a brand's product.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ringfence.marketplace.data import FAR_BELOW
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.products import brand_holders, register_products


@dataclass(frozen=True)
class Flags:
    """What one listing shows, in the seller-risk model's listing terms."""

    unauthorised: int
    below_genuine: int
    protected: int
    price_ratio: float  # NaN when the brand has no genuine price range


@dataclass
class Catalogue:
    """Brands' lowest genuine prices, authorised seller keys and protected GTINs."""

    floors: dict[str, float | None] = field(default_factory=dict)  # brand (lower case) -> lowest
    authorised: dict[str, set[str]] = field(default_factory=dict)  # brand -> seller keys
    protected: set[str] = field(default_factory=set)

    def flags(self, listing: Mapping[str, Any]) -> Flags:
        """The listing's flags from its ``seller`` key, ``brand``, ``gtin`` and ``price``."""
        brand = str(listing.get("brand") or "").strip().lower()
        floor = self.floors.get(brand)
        price = listing.get("price")
        ratio = math.nan
        if floor and price is not None and math.isfinite(float(price)):
            ratio = float(price) / floor
        unauthorised = 0
        if brand in self.floors:
            unauthorised = int(str(listing.get("seller")) not in self.authorised.get(brand, set()))
        below = int(not math.isnan(ratio) and ratio < FAR_BELOW)
        return Flags(unauthorised, below, int(listing.get("gtin") in self.protected), ratio)


def load_catalogue(settings: Settings) -> Catalogue:
    """The lake's products as a ``Catalogue`` (empty without products)."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not register_products(engine, lake, brand_holders(settings)):
            return Catalogue()
        rows = engine.query(
            "SELECT lower(brand) AS brand, price_min, authorised_sellers, gtin FROM products"
        ).to_pylist()
    finally:
        engine.close()
    out = Catalogue()
    for row in rows:
        brand = row["brand"]
        if brand is None:
            continue
        known = out.floors.get(brand)
        price = row["price_min"]
        out.floors[brand] = known if price is None else min(known or math.inf, float(price))
        out.authorised.setdefault(brand, set()).update(row["authorised_sellers"] or [])
        if row["gtin"]:
            out.protected.add(row["gtin"])
    return out
