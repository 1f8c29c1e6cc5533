"""Two kinds of notice abuse seen on real marketplaces, on top of ``notices._notice``'s
one-off bad-faith notices.

- **Campaigns**: a brand owner policing prices files, within a few days, against many unrelated
  sellers of its goods: grey resellers of genuine stock and authorised sellers who discount,
  a few generic listings its keyword search matched, and the odd real fake the sweep caught.
- **An agent**: a takedown agency filing for brands without a brand-protection team of their
  own, matching keywords more than checking listings: most of its notices hit genuine goods.

Each notice carries its truth (``bad_faith``, ``pattern``). Random numbers come from streams of
their own, so the one-off notices before them are unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np

from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import SimConfig, stream
from ringfence.sim.marketplace import Listing

AGENT = "Rapid Takedown Services Ltd"
# Brands with no partner organisation of their own hire the agent.
AGENT_BRANDS = tuple(i for i, b in enumerate(BRAND_SPECS) if b.org is None)

Make = Callable[[Listing, int, dt.date, bool, str, str], None]


def campaign_notices(cfg: SimConfig, listings: list[Listing], make: Make) -> None:
    """Burst campaigns by one or two price-policing brand owners (about one a month)."""
    rng = stream(cfg, "notice-campaigns")
    owners = rng.choice(len(BRAND_SPECS), size=2, replace=False)
    generic = [x for x in listings if x.kind == "generic"]
    for _ in range(int(rng.poisson(cfg.days / 30))):
        brand = int(rng.choice(owners))
        day = cfg.start + dt.timedelta(days=int(rng.integers(cfg.days)))
        live = [x for x in listings if x.brand == brand and x.listed <= day]
        live = [x for x in live if x.status == "active"]
        genuine = [x for x in live if x.kind in ("grey", "authorised")]
        fakes = [x for x in live if x.counterfeit]
        picks = _distinct_sellers(genuine, int(rng.integers(8, 20)), rng)
        picks += _distinct_sellers(generic, int(rng.integers(0, 4)), rng)
        picks += _distinct_sellers(fakes, int(rng.integers(0, 3)), rng)
        for x in picks:
            filed = day + dt.timedelta(days=int(rng.integers(0, 3)))
            ground = (
                "counterfeit"
                if x.counterfeit
                else str(
                    rng.choice(
                        ["counterfeit", "trademark infringement", "unauthorised distribution"]
                    )
                )
            )
            make(x, brand, filed, not x.counterfeit, ground, "campaign")


def agent_notices(cfg: SimConfig, listings: list[Listing], make: Make) -> None:
    """The agency's notices for the brands without a team: a few fakes, many genuine goods."""
    rng = stream(cfg, "notice-agent")
    for x in listings:
        if x.status != "active":
            continue
        if x.brand in AGENT_BRANDS:
            p = 0.06 if x.counterfeit else 0.12 if x.kind == "grey" else 0.02
            brand = x.brand
        elif x.kind == "generic":
            p, brand = 0.002, int(rng.choice(AGENT_BRANDS))
        else:
            continue
        if rng.random() >= p:
            continue
        filed = max(x.listed, cfg.start) + dt.timedelta(days=int(rng.exponential(20)))
        if filed <= cfg.end():
            make(x, brand, filed, not x.counterfeit, "counterfeit", "agent")


def _distinct_sellers(pool: list[Listing], n: int, rng: np.random.Generator) -> list[Listing]:
    """Up to ``n`` listings of ``pool``, no two of one seller."""
    out: list[Listing] = []
    seen: set[str] = set()
    for i in rng.permutation(len(pool)):
        x = pool[int(i)]
        if x.seller.id not in seen:
            seen.add(x.seller.id)
            out.append(x)
        if len(out) >= n:
            break
    return out
