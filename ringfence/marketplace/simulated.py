"""``SellerData`` straight from the simulator's marketplace, without writing or ingesting files.

For benchmarks on worlds too big to simulate whole (the marketplace is a small part of a world;
its shipments are not needed). The listing facts follow ``data.LISTINGS_SQL``: a brand claimed by
a seller not authorised for it, a price under ``FAR_BELOW`` of the brand's lowest genuine price,
the GTIN of a brand's product. No entity resolution: no network or seizure features.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ringfence.marketplace.data import FAR_BELOW, SellerData
from ringfence.sim import marketplace, notices, seller_signals
from ringfence.sim.config import SimConfig
from ringfence.sim.marketplace import Listing
from ringfence.sim.world import World, build_world

EPOCH = dt.date(1970, 1, 1)


def _day(value: dt.date | None) -> float:
    return np.nan if value is None else float((value - EPOCH).days)


def simulated_sellers(cfg: SimConfig) -> tuple[SellerData, pd.Series]:
    """The marketplace of a simulated world, and each seller's truth (is it a ring's account)."""
    world = build_world(cfg)
    sellers = marketplace.make_sellers(world)
    marketplace.link_authorised(world, sellers)
    listings = marketplace.make_listings(world, sellers)
    complaints = notices.make_complaints(cfg, listings)
    ids = [s.id for s in sellers]
    registered = [_day(s.registered) for s in sellers]
    signals = pd.DataFrame(seller_signals.make_signals(cfg, sellers), index=ids)
    signals = (
        signals.rename_axis("seller")
        .reset_index()
        .melt(id_vars="seller", var_name="signal", value_name="value")
    )
    signals = signals.dropna().assign(signal=lambda f: f["signal"].str.removeprefix("signal_"))
    links = seller_signals.make_links(cfg, sellers, listings)
    outcomes = seller_signals.make_outcomes(cfg, sellers, complaints)
    data = SellerData(
        sellers=pd.DataFrame(
            {"id": ids, "key": ids, "organisation": "sim", "registered": registered}
        ),
        signals=signals,
        links=pd.DataFrame(
            {
                "seller": [r.seller for r in links],
                "other": [r.other for r in links],
                "kind": [r.kind for r in links],
                "day": [_day(r.date) for r in links],
                "weight": [1.0 if r.weight is None else r.weight for r in links],
            }
        ),
        outcomes=pd.DataFrame(
            {
                "seller": [r.seller for r in outcomes],
                "day": [_day(r.date) for r in outcomes],
                "counterfeit": [r.outcome == "counterfeit" for r in outcomes],
            }
        ),
        listings=_listings(world, listings),
        complaints=pd.DataFrame(
            {
                "seller": [c.listing.seller.id for c in complaints],
                "filed": [_day(c.filed) for c in complaints],
                "decision": [c.decision for c in complaints],
                "decided": [_day(c.decided) for c in complaints],
            }
        ),
    )
    return data, pd.Series([s.kind == "ring" for s in sellers], index=ids, name="ring")


def _listings(world: World, listings: list[Listing]) -> pd.DataFrame:
    """Listing facts as ``data.LISTINGS_SQL`` derives them from the brands' products."""
    floor: dict[int, float] = {}
    authorised: dict[int, set[str]] = {}
    for p in world.products:
        floor[p.brand] = min(floor.get(p.brand, np.inf), p.price_min)
        authorised.setdefault(p.brand, set()).update(p.authorised_sellers)
    gtins = {p.gtin for p in world.products}
    frame = pd.DataFrame(
        {
            "seller": [x.seller.id for x in listings],
            "day": [_day(x.listed) for x in listings],
            "unauthorised": [
                int(x.brand >= 0 and x.seller.id not in authorised.get(x.brand, set()))
                for x in listings
            ],
            "price_ratio": [x.price / floor[x.brand] if x.brand >= 0 else np.nan for x in listings],
            "protected": [int(x.gtin in gtins) for x in listings],
        }
    )
    frame["below_genuine"] = (frame["price_ratio"] < FAR_BELOW).astype(int)
    return frame
