"""Whose ``products`` rows speak for a brand.

A rights holder's catalogue (genuine price range, authorised sellers, protected GTINs) decides
whether a notice is in good faith, whether a listing is unauthorised or far below the genuine
price, and the seller model's listing features. Any organisation may ingest a ``products`` file,
so where a brand is registered (an approved, unrevoked registration, its aliases included) only
the holder's rows count for it; rows naming a brand nobody has registered count as supplied
(a lake without an operational store keeps its whole catalogue).
"""

from __future__ import annotations

import pyarrow as pa

from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

TRUSTED_SQL = """
SELECT p.* FROM products_supplied AS p
WHERE NOT EXISTS (SELECT 1 FROM brand_holders AS h WHERE h.brand = lower(p.brand))
   OR EXISTS (SELECT 1 FROM brand_holders AS h
              WHERE h.brand = lower(p.brand) AND h.organisation = p.organisation)
"""


def brand_holders(settings: Settings) -> set[tuple[str, str]]:
    """(organisation, lower-case brand name or alias) of every approved registration."""
    with OperationalStore.open(settings) as store:
        return store.approved_brand_holders()


def register_products(engine: Engine, lake: Lake, holders: set[tuple[str, str]]) -> bool:
    """Bind ``products`` to the rows that speak for their brand (module docstring); returns
    whether any row is left."""
    if not lake.register(engine, "products"):
        return False
    supplied = engine.query("SELECT * FROM products")
    engine.register_arrow("products_supplied", supplied)
    engine.register_arrow(
        "brand_holders",
        pa.table(
            {
                "organisation": pa.array([o for o, _ in sorted(holders)], pa.string()),
                "brand": pa.array([b for _, b in sorted(holders)], pa.string()),
            }
        ),
    )
    trusted = engine.query(TRUSTED_SQL)
    engine.register_arrow("products", trusted)
    return trusted.num_rows > 0
