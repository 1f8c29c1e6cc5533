"""Seller features as of a day: only what was known strictly before it.

Own features (``features only``): the seller's signals, account age, listings (brand claimed
without authorisation, price far below the genuine range, GTIN of a protected product) and notice
history. Relation features: links seen before the day, per kind; the neighbours' own features
(mean, max); known-counterfeit and cleared neighbours from outcomes dated before the day; the
resolved entity's network risk (snapshot of seeds known before the day) and its border seizures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ringfence.marketplace.data import SellerData, days_array
from ringfence.marketplace.graph import adjacency, degrees, label_stats, neighbour_stats

LINK_KINDS = ("device", "payment", "ip", "warehouse", "product")
STRONG_KINDS = ("device", "payment", "ip")  # what a ring's accounts share and others rarely do
LISTING_COLUMNS = ("unauthorised", "below_genuine", "protected")
# Own features whose neighbour mean and max are relation features.
SPREAD = ("listings_unauthorised", "listings_below_genuine", "notices_upheld")


def _before(days: pd.Series, day: int, always: bool) -> np.ndarray:
    values = days_array(days)
    return np.where(np.isnan(values), always, values < day)


def own_features(data: SellerData, day: int) -> pd.DataFrame:
    """Signals, account age, listing and notice history of every seller, as of ``day``."""
    index = pd.Index(data.sellers["id"], name="seller")
    out = pd.DataFrame(index=index)
    if len(data.signals):
        wide = data.signals.pivot_table(index="seller", columns="signal", values="value")
        out = out.join(wide.add_prefix("signal_"))
    out["account_age_days"] = day - days_array(data.sellers["registered"])
    lst = data.listings[_before(data.listings["day"], day, True)]
    grouped = lst.groupby("seller")
    out["listings"] = grouped.size().reindex(index).fillna(0).to_numpy()
    for col in LISTING_COLUMNS:
        out[f"listings_{col}"] = grouped[col].sum().reindex(index).fillna(0).to_numpy()
    out["listings_min_price_ratio"] = grouped["price_ratio"].min().reindex(index).to_numpy()
    c = data.complaints
    filed = c[_before(c["filed"], day, False)]
    decided = c[_before(c["decided"], day, False)]
    out["notices"] = filed.groupby("seller").size().reindex(index).fillna(0).to_numpy()
    for decision in ("upheld", "rejected"):
        hits = decided[decided["decision"] == decision].groupby("seller").size()
        out[f"notices_{decision}"] = hits.reindex(index).fillna(0).to_numpy()
    return out


def known_outcomes(data: SellerData, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Per seller (in ``data.sellers`` order): confirmed counterfeit / cleared before ``day``."""
    o = data.outcomes[_before(data.outcomes["day"], day, False)]
    ids = data.sellers["id"]
    bad = ids.isin(o.loc[o["counterfeit"].astype(bool), "seller"]).to_numpy()
    good = ids.isin(o.loc[~o["counterfeit"].astype(bool), "seller"]).to_numpy() & ~bad
    return bad, good


def relation_features(data: SellerData, day: int, own: pd.DataFrame) -> pd.DataFrame:
    """Link, neighbour, known-outcome and entity features of every seller, as of ``day``."""
    n = len(data.sellers)
    pos = pd.Series(np.arange(n), index=data.sellers["id"])
    links = data.links[_before(data.links["day"], day, True)]
    src = pos.reindex(links["seller"]).to_numpy()
    dst = pos.reindex(links["other"]).to_numpy()
    ok = ~(np.isnan(src) | np.isnan(dst))
    links, src, dst = links[ok], src[ok].astype(int), dst[ok].astype(int)
    weight = links["weight"].to_numpy(dtype=float)
    every = adjacency(n, src, dst, weight)
    bad, good = known_outcomes(data, day)
    cols: dict[str, np.ndarray] = {**degrees(every, "links_"), **label_stats(every, bad, good, "")}
    kinds = links["kind"].to_numpy()
    for kind in LINK_KINDS:
        mask = kinds == kind
        cols[f"links_{kind}"] = degrees(adjacency(n, src[mask], dst[mask]), "x")["xdegree"]
    strong = np.isin(kinds, STRONG_KINDS)
    near = adjacency(n, src[strong], dst[strong])
    cols.update(label_stats(near, bad, good, "shared_device_payment_ip_"))
    spread = [c for c in own.columns if c.startswith("signal_") or c in SPREAD]
    stats = neighbour_stats(every, own[spread].to_numpy(dtype=float), spread)
    out = pd.DataFrame(cols, index=own.index).join(stats.set_index(own.index))
    out = out.join(entity_features(data, day))
    return out


def entity_features(data: SellerData, day: int) -> pd.DataFrame:
    """The seller's resolved entity: network risk and border seizures known before ``day``."""
    index = pd.Index(data.sellers["id"], name="seller")
    out = pd.DataFrame(index=index)
    if data.entity.empty:
        return out
    entity = data.entity.reindex(index)
    if len(data.seizures):
        seized = data.seizures[data.seizures["day"] < day].groupby("entity").size()
        out["entity_border_seizures"] = seized.reindex(entity.to_numpy()).fillna(0).to_numpy()
    network = data.network
    if network is not None:
        from ringfence.score.network_risk import period_start

        risk = network.risk_at(period_start(day))  # type: ignore[attr-defined]
        loc = network.entities.get_indexer(entity.fillna("").to_numpy())  # type: ignore[attr-defined]
        out["entity_network_risk"] = np.where(loc >= 0, risk[np.maximum(loc, 0)], np.nan)
    return out


def snapshot(data: SellerData, day: int, relations: bool = True) -> pd.DataFrame:
    """Every seller's features as of ``day`` (own only, or own and relation features)."""
    own = own_features(data, day)
    return own.join(relation_features(data, day, own)) if relations else own
