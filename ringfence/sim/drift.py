"""Drift scenario: a new counterfeit ring appears mid-period with fresh accounts and a new route.

``SimConfig.new_ring_day`` (``ringfence simulate --new-ring-day N``) switches it on. From day
``N`` on, ``NEW_RING_SHARE`` of the counterfeit parcels (taken from the other rings' open parcels,
so the counterfeit rate stays as configured) come from a ring that did not exist before:

* **fresh accounts**: 3–5 shipper companies registered in Thailand, opened on or after day N,
  sharing phones, e-mails and bank accounts as any ring's aliases do, plus one fresh EU drop;
* **a new route**: made in China, departing from Thailand (``NEW_ROUTE``), a departure country no
  honest shipper and no other ring uses;
* **cover wording**: like a camouflaged ring it declares the unbranded cover good of the brand
  with its true HS code at an ordinary price (``covert.COVER_GOODS``), so only the accounts and
  the route are new; a model trained on the other rings' tells has nothing else to go on.

Everything is drawn from streams of its own after the rest of the world, so the default world
(no ``new_ring_day``) is byte-identical to one simulated before the scenario existed. The truth
records the ring in ``rings.parquet`` (phases start on day N) and in ``drift.parquet``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import SimConfig, stream
from ringfence.sim.parties import make_identity, share

if TYPE_CHECKING:
    from ringfence.sim.shipments import Shipments, Vocab
    from ringfence.sim.world import Ring, World

NEW_RING_SHARE = 0.2  # share of counterfeit parcels from the new ring, from its first day on
NEW_ROUTE = ("CN", "TH")  # (origin, departure)
ACCOUNT_DAYS = 21  # its accounts open within three weeks of its first day


def new_ring(cfg: SimConfig, position: int) -> Ring:
    """The ring that appears on ``cfg.new_ring_day``: ``R{position}``, accounts in Thailand."""
    from ringfence.sim.world import STYLE_GENERIC, Phase, Ring, _ring_aliases

    day = cfg.new_ring_day
    if day is None or not 0 < day < cfg.days:
        raise ValueError("new_ring_day must be inside the simulated period (1 .. days - 1)")
    rng = stream(cfg, "new-ring")
    rid = f"R{position:03d}"
    home = NEW_ROUTE[1]
    brands = sorted({int(b) for b in rng.choice(len(BRAND_SPECS), int(rng.integers(1, 3)))})
    n = int(rng.integers(3, 6))
    aliases = _ring_aliases(rid, home, n, [], rng)
    opened = np.sort(day + rng.integers(0, ACCOUNT_DAYS, n))
    opened[0] = day
    windows = np.stack([opened, np.full(n, cfg.days + 60)], axis=1)
    country = str(rng.choice(["NL", "BE", "DE"]))
    drop = share(make_identity(f"{rid}-D0", "ring-drop", "EU", country, rng, ring=rid),
                 aliases[0], "bank")  # fmt: skip
    phases = [Phase(day, NEW_ROUTE[0], NEW_ROUTE[1], STYLE_GENERIC)]
    return Ring(rid, home, brands, aliases, windows, [drop], [aliases[-1]], phases, 1.0,
                False, appears=day)  # fmt: skip


def assign(s: Shipments, world: World, index: dict[str, int], vocab: Vocab) -> None:
    """Hand ``NEW_RING_SHARE`` of the open (not camouflaged) counterfeit parcels from the new
    ring's first day on to it: its active accounts, its route, cover wording and prices; bulk
    parcels go to its drop."""
    from ringfence.sim.shipments import CIDX, dress_as_cover

    k = len(world.rings) - 1
    ring = world.rings[k]
    if ring.appears is None:
        return
    rng = stream(world.cfg, "new-ring-shipments")
    candidates = np.flatnonzero(s.fake & ~s.camouflaged & (s.day >= ring.appears))
    idx = candidates[rng.random(len(candidates)) < NEW_RING_SHARE]
    s.ring[idx] = k
    day = s.day[idx]
    active = (day[:, None] >= ring.windows[None, :, 0]) & (day[:, None] < ring.windows[None, :, 1])
    alias = (active * rng.random(active.shape)).argmax(axis=1)
    s.shipper[idx] = np.array([index[a.id] for a in ring.aliases])[alias]
    s.origin[idx], s.departure[idx] = CIDX[NEW_ROUTE[0]], CIDX[NEW_ROUTE[1]]
    dress_as_cover(s, idx, vocab, rng)
    bulk = idx[~s.consumer[idx]]
    s.consignee[bulk] = index[ring.drops[0].id]


def truth_table(world: World) -> pa.Table | None:
    """``drift.parquet``: the new ring, its first day and date, accounts, drop and route."""
    ring = world.rings[-1] if world.rings else None
    if ring is None or ring.appears is None:
        return None
    first = world.cfg.start + dt.timedelta(days=ring.appears)
    return pa.table({
        "scenario": ["new-ring"], "ring_id": [ring.id], "first_day": [ring.appears],
        "first_date": pa.array([first], pa.date32()),
        "accounts": [[a.id for a in ring.aliases]], "drops": [[d.id for d in ring.drops]],
        "origin": [NEW_ROUTE[0]], "departure": [NEW_ROUTE[1]], "share": [NEW_RING_SHARE],
    })  # fmt: skip
