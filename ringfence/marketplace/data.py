"""The seller-risk model's inputs, read from the lake into plain frames (days since 1970).

Every table is keyed by seller record id. Brand catalogue facts (authorised sellers, genuine price
ranges, protected GTINs) are reference data, so reading today's catalogue is no leakage; every
dated fact (listings, notices, links, outcomes, seizures) carries its day so that features can be
taken as of any day (``features.snapshot``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ringfence.errors import UserError
from ringfence.model.records.base import make_id
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake
from ringfence.store.products import brand_holders, register_products

# A listing priced under this share of its brand's lowest genuine price is "far below" it.
FAR_BELOW = 0.5


def _day(expr: str) -> str:
    return f"date_diff('day', DATE '1970-01-01', {expr})"


@dataclass
class SellerData:
    """Sellers and every dated fact about them; absent feeds are empty frames."""

    sellers: pd.DataFrame  # id, key, organisation, registered
    signals: pd.DataFrame  # seller, signal, value
    links: pd.DataFrame  # seller, other, kind, weight, day (NaN: always known)
    outcomes: pd.DataFrame  # seller, counterfeit (bool), day
    listings: pd.DataFrame  # seller, day, unauthorised, below_genuine, price_ratio, protected
    complaints: pd.DataFrame  # seller, filed, decision, decided
    entity: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))  # seller -> entity
    seizures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["entity", "day"]))
    network: object | None = None  # score.network_risk.NetworkSnapshots, when available

    def last_day(self) -> int:
        """The latest day any dated fact mentions."""
        days = [
            frame[col].max()
            for frame, col in (
                (self.outcomes, "day"),
                (self.links, "day"),
                (self.listings, "day"),
                (self.complaints, "filed"),
            )
            if len(frame)
        ]
        days = [int(d) for d in days if pd.notna(d)]
        if not days:
            raise UserError("no dated seller facts (listings, links, outcomes) to score from")
        return max(days)


def _frame(engine: Engine, lake: Lake, dataset: str, sql: str, columns: list[str]) -> pd.DataFrame:
    if not lake.register(engine, dataset):
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    return engine.query(sql).to_pandas()


LISTINGS_SQL = f"""
WITH brand_floor AS (
  SELECT lower(brand) AS brand, min(price_min) AS floor FROM products GROUP BY 1
), authorised AS (
  SELECT DISTINCT lower(p.brand) AS brand, p.organisation, UNNEST(p.authorised_sellers) AS key
  FROM products AS p
), protected AS (SELECT DISTINCT gtin FROM products WHERE gtin IS NOT NULL)
SELECT l.seller_ref AS seller, {_day("l.listed_at")} AS day,
  CASE WHEN f.brand IS NULL THEN 0
       WHEN EXISTS (SELECT 1 FROM authorised AS a JOIN sellers AS s ON s.source_key = a.key
                    WHERE a.brand = f.brand AND s.id = l.seller_ref) THEN 0 ELSE 1 END
    AS unauthorised,
  CASE WHEN l.price / f.floor < {FAR_BELOW} THEN 1 ELSE 0 END AS below_genuine,
  l.price / f.floor AS price_ratio,
  CASE WHEN l.gtin IN (SELECT gtin FROM protected) THEN 1 ELSE 0 END AS protected
FROM listings AS l LEFT JOIN brand_floor AS f ON f.brand = lower(l.brand)
"""

SEIZURES_SQL = f"""
WITH refs AS (
  SELECT id, shipper_ref AS ref FROM shipments UNION ALL
  SELECT id, seller_ref FROM shipments UNION ALL SELECT id, importer_ref FROM shipments
), seized AS (
  SELECT s.id, min({_day("greatest(coalesce(o.date, s.date), s.date)")}) AS day
  FROM outcomes AS o JOIN shipments AS s ON s.id = o.shipment_ref
  WHERE o.positive AND (o.result = 'seized' OR lower(o.label) IN ('counterfeit', 'ipr'))
  GROUP BY 1
)
SELECT DISTINCT em.entity_id AS entity, z.id AS shipment, z.day
FROM seized AS z JOIN refs AS r ON r.id = z.id JOIN entity_mentions AS em ON em.mention_id = r.ref
"""


def load_seller_data(settings: Settings, with_network: bool = True) -> SellerData:
    """Everything the seller-risk model reads; raises ``UserError`` without sellers."""
    lake = Lake(settings)
    if not lake.has("sellers"):
        raise UserError("no sellers ingested yet: run 'ringfence ingest sellers FILE' first")
    holders = brand_holders(settings)
    engine = open_engine(settings)
    try:
        data = _read(engine, lake, holders)
    finally:
        engine.close()
    from ringfence.complaints.labels import notice_frame  # notices filed in Ringfence too

    recorded = notice_frame(settings)
    if len(recorded):
        data.complaints = pd.concat([data.complaints, recorded], ignore_index=True)
    if with_network:
        from ringfence.score.network_risk import load_snapshots

        data.network = load_snapshots(settings)
    return data


def _read(engine: Engine, lake: Lake, holders: set[tuple[str, str]]) -> SellerData:
    lake.register(engine, "sellers")
    sellers = engine.query(
        "SELECT id, source_key AS key, organisation, "
        f"{_day('registered_at')} AS registered FROM sellers ORDER BY id"
    ).to_pandas()
    signals = _frame(
        engine,
        lake,
        "seller_signals",
        "SELECT seller_ref AS seller, signal, value FROM seller_signals",
        ["seller", "signal", "value"],
    )
    links = _frame(
        engine,
        lake,
        "seller_links",
        "SELECT seller_ref AS seller, other_seller_ref AS other, lower(kind) AS kind,"
        f" coalesce(weight, 1.0) AS weight, {_day('date')} AS day FROM seller_links",
        ["seller", "other", "kind", "weight", "day"],
    )
    outcomes = _frame(
        engine,
        lake,
        "seller_outcomes",
        "SELECT seller_ref AS seller, outcome = 'counterfeit' AS counterfeit,"
        f" {_day('date')} AS day FROM seller_outcomes",
        ["seller", "counterfeit", "day"],
    )
    listings, complaints = _listing_facts(engine, lake, holders)
    data = SellerData(sellers, signals, links, outcomes, listings, complaints)
    _entities(engine, lake, data)
    return data


def _listing_facts(
    engine: Engine, lake: Lake, holders: set[tuple[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Listings with their catalogue facts (the products rows that speak for their brand,
    ``store/products.py``), and the notices against them with their seller."""
    cols = ["seller", "day", "unauthorised", "below_genuine", "price_ratio", "protected"]
    if register_products(engine, lake, holders):
        listings = _frame(engine, lake, "listings", LISTINGS_SQL, cols)
    else:
        listings = _frame(
            engine,
            lake,
            "listings",
            f"SELECT seller_ref AS seller, {_day('listed_at')} AS day, 0 AS "
            "unauthorised, 0 AS below_genuine, NULL::DOUBLE AS price_ratio,"
            " 0 AS protected FROM listings",
            cols,
        )
    complaints = pd.DataFrame(columns=["seller", "filed", "decision", "decided"])
    if lake.has("listings"):
        complaints = _frame(
            engine,
            lake,
            "complaints",
            f"SELECT l.seller_ref AS seller, {_day('c.filed_at')} AS filed,"
            f" c.decision, {_day('c.decided_at')} AS decided FROM complaints AS c"
            " JOIN listings AS l ON l.id = c.listing_ref",
            ["seller", "filed", "decision", "decided"],
        )
    return listings, complaints


def _entities(engine: Engine, lake: Lake, data: SellerData) -> None:
    """Each seller's resolved entity (its party mention's) and the entities' border seizures."""
    if not lake.register(engine, "entity_mentions"):
        return
    s = data.sellers
    mention = [
        make_id(o, "parties", f"seller:{k}") for o, k in zip(s.organisation, s.key, strict=True)
    ]
    pairs = pd.DataFrame({"seller": s.id, "mention_id": mention})
    engine.register_arrow("seller_mentions", _arrow(pairs))
    found = engine.query(
        "SELECT m.seller, em.entity_id FROM seller_mentions AS m "
        "JOIN entity_mentions AS em ON em.mention_id = m.mention_id"
    ).to_pandas()
    data.entity = found.drop_duplicates("seller").set_index("seller")["entity_id"]
    if all(lake.register(engine, d) for d in ("shipments", "outcomes")):
        data.seizures = engine.query(SEIZURES_SQL).to_pandas()


def _arrow(frame: pd.DataFrame) -> object:
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


def days_array(values: pd.Series) -> np.ndarray:
    """A day column as floats (NaN where unknown)."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
