"""Service functions of listing risk: load the online scorer, score every listing in batch.

The CLI (``ringfence listings score``), the API (``POST /listings/score``) and the analyst queue
call these. Both paths build the same feature rows (``scoring.ListingScorer``): the seller's
features as of the day after the latest dated fact, with its listings counted up to the one
scored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.listings.catalogue import Flags, load_catalogue
from ringfence.listings.evidence import Evidence
from ringfence.listings.scoring import COUNTS, ListingScorer
from ringfence.marketplace.data import load_seller_data
from ringfence.marketplace.features import snapshot
from ringfence.marketplace.service import load_seller_model
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

LISTINGS_SQL = """
SELECT l.organisation, l.source_key AS listing, l.seller_ref, {seller} AS seller, l.brand,
       l.gtin, l.price, l.listed_at, l.status
FROM listings AS l {join}
"""


def load_scorer(settings: Settings) -> ListingScorer:
    """The latest seller model with every seller's current features and the brand catalogue."""
    stored = load_seller_model(settings)
    data = load_seller_data(settings)
    rows = snapshot(data, data.last_day() + 1)
    keys = {
        (str(o), str(k)): str(i)
        for o, k, i in zip(data.sellers["organisation"], data.sellers["key"], data.sellers["id"],
                           strict=True)
    }  # fmt: skip
    catalogue = load_catalogue(settings)
    listings = lake_listings(settings)
    flags = [catalogue.flags(r) for r in listings.to_dict("records")]
    from ringfence.complaints.labels import upheld_listings  # notices filed in Ringfence too

    upheld = _upheld(settings) | upheld_listings(settings)
    bad = [(o, k) in upheld for o, k in zip(listings.organisation, listings.listing, strict=True)]
    evidence = Evidence.fit(flags, bad)
    return ListingScorer(stored.model, stored.features, rows, keys, catalogue, evidence,
                         stored.version)  # fmt: skip


def _upheld(settings: Settings) -> set[tuple[str, str]]:
    """(organisation, listing key) of listings with an upheld notice."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not (lake.register(engine, "complaints") and lake.register(engine, "listings")):
            return set()
        rows = engine.query(
            "SELECT DISTINCT l.organisation, l.source_key FROM complaints AS c JOIN listings AS l"
            " ON l.id = c.listing_ref WHERE lower(c.decision) = 'upheld'"
        ).to_pylist()
    finally:
        engine.close()
    return {(str(r["organisation"]), str(r["source_key"])) for r in rows}


def lake_listings(settings: Settings) -> pd.DataFrame:
    """Every listing in the lake, with its seller's key, oldest first (undated ones first)."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        if not lake.register(engine, "listings"):
            return pd.DataFrame(columns=["organisation", "listing", "seller", "brand", "gtin",
                                         "price", "listed_at", "status"])  # fmt: skip
        if lake.register(engine, "sellers"):
            seller, join = "s.source_key", "LEFT JOIN sellers AS s ON s.id = l.seller_ref"
        else:
            seller, join = "l.seller_ref", ""
        frame = engine.query(LISTINGS_SQL.format(seller=seller, join=join)).to_pandas()
    finally:
        engine.close()
    frame["seller"] = frame["seller"].fillna(frame["seller_ref"])
    frame = frame.drop_duplicates(["organisation", "listing"], keep="last")
    order = frame.assign(_d=pd.to_datetime(frame["listed_at"]).fillna(pd.Timestamp.min))
    return order.sort_values(["_d", "listing"], kind="stable").drop(columns="_d")


def scored_listings(settings: Settings, scorer: ListingScorer | None = None) -> pd.DataFrame:
    """Every lake listing with ``score`` and ``reasons``, riskiest first."""
    scorer = scorer or load_scorer(settings)
    frame = lake_listings(settings).reset_index(drop=True)
    if frame.empty:
        return frame.assign(score=pd.Series(dtype=float), reasons=pd.Series(dtype=str))
    flags = [scorer.catalogue.flags(r) for r in frame.to_dict("records")]
    x = np.vstack([scorer.row(str(o), str(s)) for o, s in zip(frame.organisation, frame.seller,
                                                              strict=True)])  # fmt: skip
    _count_up_to(scorer, x, frame, flags)
    scores = scorer.scored(x, flags, frame["brand"].tolist(), threads=0)
    frame["score"] = [s.score for s in scores]
    frame["reasons"] = [s.reasons for s in scores]
    return frame.sort_values(["score", "listing"], ascending=[False, True], kind="stable")


def _count_up_to(
    scorer: ListingScorer, x: np.ndarray, frame: pd.DataFrame, flags: list[Flags]
) -> None:
    """Set each row's listing features to the seller's listings up to and including this one."""
    col = scorer.column
    sellers = frame["organisation"].astype(str) + "\x1f" + frame["seller"].astype(str)
    parts = {
        "listings": np.ones(len(frame)),
        **{
            name: np.array([getattr(f, attr) for f in flags], float)
            for name, attr in COUNTS.items()
        },
    }
    for name, values in parts.items():
        if name in col:
            x[:, col[name]] = pd.Series(values).groupby(sellers.to_numpy()).cumsum().to_numpy()
    if "listings_min_price_ratio" in col:
        ratio = pd.Series([f.price_ratio for f in flags], dtype=float)
        keys = sellers.to_numpy()
        running = ratio.groupby(keys).cummin().groupby(keys).ffill()
        x[:, col["listings_min_price_ratio"]] = running.to_numpy()


def score_listings(settings: Settings) -> pa.Table:
    """Batch scores: ``listing`` (its id as given in the listings file), ``score``, ``reasons``."""
    frame = scored_listings(settings)[["listing", "score", "reasons"]]
    return pa.Table.from_pandas(frame, preserve_index=False)
