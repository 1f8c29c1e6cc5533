"""The shipments of the whole period, vectorised: who ships what to whom, by which route.

Every shipment is a row of integer codes into the world (identity, product, country, description);
partner feeds render those codes into text later. No Python loop runs per shipment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ringfence.sim import drift
from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import SimConfig, stream
from ringfence.sim.covert import (
    COVER_OF_BRAND,
    GOODS_SPAN,
    GOODS_STRIDE,
    TRANSIT_CODES,
    transit_legs,
)
from ringfence.sim.vocab import COUNTRIES, GENERIC_FAKE_WORDS, GENERIC_GOODS
from ringfence.sim.world import STYLE_BRAND, STYLE_GENERIC, World

COUNTRY_CODES = tuple(sorted(set(COUNTRIES) | {"NO", "CH", "DK", "KR", "ID", "BD", "MX", "TH"}))
CIDX = {c: i for i, c in enumerate(COUNTRY_CODES)}
FX = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85, "HKD": 8.4}
CURRENCIES = tuple(FX)


@dataclass
class Vocab:
    """Descriptions and HS codes that shipment rows index into."""

    descriptions: list[str]
    hs_codes: list[str]
    # per brand and style: (first description index, number of choices)
    fake_desc: np.ndarray
    product_desc: np.ndarray  # per product: description index
    generic_desc: np.ndarray  # per generic good: description index


def build_vocab(world: World) -> Vocab:
    """Every goods description any shipment can carry, grouped for vectorised choice."""
    descs: list[str] = []
    fake = np.zeros((len(BRAND_SPECS), 4, 2), dtype=np.int64)
    for b, spec in enumerate(BRAND_SPECS):
        groups = [[f"{spec.name} {g}" for g in spec.goods],
                  [f"{m} {g}" for m in spec.misspellings for g in spec.goods],
                  list(spec.goods), list(GENERIC_FAKE_WORDS)]
        for s, words in enumerate(groups):
            fake[b, s] = (len(descs), len(words))
            descs += words
    product_desc = np.arange(len(descs), len(descs) + len(world.products))
    descs += [p.name for p in world.products]
    generic_desc = np.arange(len(descs), len(descs) + len(GENERIC_GOODS))
    descs += [g[0] for g in GENERIC_GOODS]
    hs = sorted({p.hs_code for p in world.products} | {g[1] for g in GENERIC_GOODS})
    return Vocab(descs, hs, fake, product_desc, generic_desc)


@dataclass
class Shipments:
    """Integer-coded shipments; ``shipper``/``consignee`` index ``Parties.named`` unless
    ``consumer`` is set, in which case ``consignee`` indexes the consumers. ``parcel`` is a
    small B2C parcel (the express parcel service) — a parcel to a named mule recipient too."""

    day: np.ndarray
    fake: np.ndarray
    ring: np.ndarray
    shipper: np.ndarray
    consumer: np.ndarray
    consignee: np.ndarray
    product: np.ndarray  # -1 for generic goods
    brand: np.ndarray  # -1 for generic goods
    description: np.ndarray
    hs: np.ndarray
    quantity: np.ndarray
    weight_g: np.ndarray
    value_eur: np.ndarray
    currency: np.ndarray
    origin: np.ndarray
    departure: np.ndarray
    destination: np.ndarray
    parcel: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    camouflaged: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    transit: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))  # -1: none

    def __len__(self) -> int:
        return len(self.day)


def _days(cfg: SimConfig, rng: np.random.Generator) -> np.ndarray:
    """Shipping day of every shipment, sorted; fewer parcels on Sundays, a slow upward trend."""
    d = np.arange(cfg.days)
    weekday = (cfg.start.weekday() + d) % 7
    w = np.where(weekday == 6, 0.45, 1.0) * (1.0 + 0.2 * d / max(1, cfg.days))
    counts = rng.multinomial(cfg.n_shipments, w / w.sum())
    return np.repeat(d, counts).astype(np.int32)


def _choose(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(len(weights), n, p=weights / weights.sum())


def _legit(s: Shipments, idx: np.ndarray, world: World, index: dict[str, int],
           vocab: Vocab, rng: np.random.Generator) -> None:
    """Fill legitimate shipments: generic goods from merchants, genuine branded goods otherwise."""
    shippers = world.shippers
    w = np.array([float(p.meta["weight"]) for p in shippers])  # type: ignore[arg-type]
    pick = _choose(w, len(idx), rng)
    kind = np.array([{"merchant": 0, "distributor": 1, "grey": 2}[p.kind] for p in shippers])[pick]
    s.shipper[idx] = np.array([index[p.id] for p in shippers])[pick]
    country = np.array([CIDX[p.country] for p in shippers])[pick]
    s.origin[idx] = s.departure[idx] = country
    via = (country == CIDX["CN"]) & (rng.random(len(idx)) < 0.12)
    s.departure[idx[via]] = CIDX["HK"]
    # Merchants specialise: a shipper's goods are a few neighbouring items of the catalogue.
    g = (pick * GOODS_STRIDE + rng.integers(0, GOODS_SPAN, len(idx))) % len(GENERIC_GOODS)
    branded = kind > 0
    brand = np.array([int(p.meta["brand"]) for p in shippers])[pick]  # type: ignore[call-overload]
    prod = _product_of_brand(world, brand, rng)
    s.product[idx] = np.where(branded, prod, -1)
    s.brand[idx] = np.where(branded, brand, -1)
    s.description[idx] = np.where(branded, vocab.product_desc[prod], vocab.generic_desc[g])
    hs_pos = {h: i for i, h in enumerate(vocab.hs_codes)}
    hs_g = np.array([hs_pos[x[1]] for x in GENERIC_GOODS])[g]
    hs_p = np.array([hs_pos[p.hs_code] for p in world.products])[prod]
    s.hs[idx] = np.where(branded, hs_p, hs_g)
    lo = np.array([x[2] for x in GENERIC_GOODS])[g]
    hi = np.array([x[3] for x in GENERIC_GOODS])[g]
    pmin = np.array([p.price_min for p in world.products])[prod]
    pmax = np.array([p.price_max for p in world.products])[prod]
    # Grey-market goods are genuine but cheap: parallel imports below the brand's price band.
    grey = rng.uniform(0.45, 0.85, len(idx)) * pmin
    unit = np.where(kind == 1, rng.uniform(pmin, pmax), np.where(kind == 2, grey,
                    rng.uniform(lo, hi)))
    b2b = (kind == 1) | (rng.random(len(idx)) < 0.08)
    _quantities(s, idx, b2b, unit, rng, world, np.where(branded, prod, -1), g)
    s.consumer[idx] = ~b2b


def _product_of_brand(world: World, brand: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random product of each given brand, vectorised."""
    starts = np.zeros(len(BRAND_SPECS), dtype=np.int64)
    counts = np.zeros(len(BRAND_SPECS), dtype=np.int64)
    for i, p in enumerate(world.products):
        if counts[p.brand] == 0:
            starts[p.brand] = i
        counts[p.brand] += 1
    return starts[brand] + (rng.random(len(brand)) * counts[brand]).astype(np.int64)


def _quantities(s: Shipments, idx: np.ndarray, b2b: np.ndarray, unit: np.ndarray,
                rng: np.random.Generator, world: World, prod: np.ndarray, g: np.ndarray) -> None:
    """Quantity, weight and declared value; consumers buy one to three, businesses lots."""
    qty = np.where(b2b, np.ceil(rng.lognormal(3.5, 1.0, len(idx))), rng.integers(1, 4, len(idx)))
    unit_kg = np.where(prod >= 0, np.array([p.unit_kg for p in world.products])[prod],
                       np.array([x[4] for x in GENERIC_GOODS])[g])
    s.quantity[idx] = qty
    s.weight_g[idx] = np.round(1000 * (qty * unit_kg * rng.uniform(0.9, 1.3, len(idx)) + 0.15))
    # Under-declaring value is common in low-value e-commerce, honest or not.
    s.value_eur[idx] = np.round(qty * unit * rng.uniform(0.6, 1.0, len(idx)), 2)


def _fakes(s: Shipments, idx: np.ndarray, world: World, index: dict[str, int],
           vocab: Vocab, rng: np.random.Generator) -> None:
    """Fill counterfeit shipments: ring, active alias, drifted route and wording, low value."""
    rings = world.rings
    # A ring new in the period (sim/drift.py) takes its parcels later, from its own stream.
    r = _choose(np.array([x.weight for x in rings if x.appears is None]), len(idx), rng)
    s.ring[idx] = r
    day = s.day[idx]
    for k, ring in enumerate(rings):
        sel = np.flatnonzero(r == k)
        if not len(sel):
            continue
        d = day[sel]
        win = ring.windows
        active = (d[:, None] >= win[None, :, 0]) & (d[:, None] < win[None, :, 1])
        active[~active.any(axis=1), -1] = True  # a ring always has at least its newest alias
        score = active * rng.random(active.shape)
        alias = score.argmax(axis=1)
        s.shipper[idx[sel]] = np.array([index[a.id] for a in ring.aliases])[alias]
        starts = np.array([p.start for p in ring.phases])
        phase = np.searchsorted(starts, d, side="right") - 1
        s.origin[idx[sel]] = np.array([CIDX[p.origin] for p in ring.phases])[phase]
        s.departure[idx[sel]] = np.array([CIDX[p.departure] for p in ring.phases])[phase]
        style = np.array([p.style for p in ring.phases])[phase]
        brand = np.array(ring.brands)[rng.integers(0, len(ring.brands), len(sel))]
        # Wording drifts but not every parcel follows at once: a quarter keep the old style.
        style = np.where(rng.random(len(sel)) < 0.25, np.maximum(style - 1, STYLE_BRAND), style)
        _fake_goods(s, idx[sel], brand, style, world, vocab, rng)
        drops = np.array([index[x.id] for x in ring.drops])
        bulk = ~s.consumer[idx[sel]]  # decided in ``generate``, before quantities
        s.consignee[idx[sel[bulk]]] = drops[rng.integers(0, len(drops), int(bulk.sum()))]


def _fake_goods(s: Shipments, idx: np.ndarray, brand: np.ndarray, style: np.ndarray,
                world: World, vocab: Vocab, rng: np.random.Generator) -> None:
    prod = _product_of_brand(world, brand, rng)
    s.product[idx], s.brand[idx] = prod, brand
    first, count = vocab.fake_desc[brand, style, 0], vocab.fake_desc[brand, style, 1]
    s.description[idx] = first + (rng.random(len(idx)) * count).astype(np.int64)
    hs_pos = {h: i for i, h in enumerate(vocab.hs_codes)}
    true_hs = np.array([hs_pos[p.hs_code] for p in world.products])[prod]
    # Generic wording comes with a vague HS code (plastic articles, unbranded textiles).
    vague = np.where(rng.random(len(idx)) < 0.5, hs_pos["392690"], hs_pos["610910"])
    s.hs[idx] = np.where(style >= STYLE_GENERIC, vague, true_hs)
    pmin = np.array([p.price_min for p in world.products])[prod]
    # Most fakes declare far below the genuine band; some "replicas" declare near retail.
    factor = np.where(rng.random(len(idx)) < 0.85, rng.uniform(0.04, 0.35, len(idx)),
                      rng.uniform(0.5, 1.0, len(idx)))
    b2b = s.consumer[idx] == 0
    _quantities(s, idx, b2b, pmin * factor, rng, world, prod, np.zeros(len(idx), np.int64))


def generate(world: World, index: dict[str, int], vocab: Vocab,
             countries: tuple[np.ndarray, np.ndarray]) -> Shipments:
    """All shipments of the period; ``index`` maps identity ids to their row in the party list,
    ``countries`` gives the country index of each named party and of each consumer."""
    cfg = world.cfg
    rng = stream(cfg, "shipments")
    day = _days(cfg, rng)
    n = len(day)
    z = np.zeros(n, dtype=np.int64)
    s = Shipments(day, rng.random(n) < cfg.counterfeit_rate, z - 1, z.copy(), np.ones(n, bool),
                  z.copy(), z - 1, z - 1, z.copy(), z.copy(), z.copy(), z.copy(),
                  np.zeros(n), z.copy(), z.copy(), z.copy(), z.copy())
    fake_idx = np.flatnonzero(s.fake)
    # Bulk fakes are decided before goods so that quantities follow.
    s.consumer[fake_idx] = rng.random(len(fake_idx)) >= 0.3
    _legit(s, np.flatnonzero(~s.fake), world, index, vocab, rng)
    _fakes(s, fake_idx, world, index, vocab, rng)
    _camouflage(s, world, index, vocab)
    if world.cfg.new_ring_day is not None:
        drift.assign(s, world, index, vocab)
    _consignees(s, world, index, countries, rng)
    s.parcel = s.consumer.copy()
    _to_mules(s, world, index)
    s.transit = _transit(s, world)
    cur = {c: i for i, c in enumerate(CURRENCIES)}
    by_country = np.array([cur[COUNTRIES[c]["currency"]] if c in COUNTRIES else cur["USD"]
                           for c in COUNTRY_CODES])
    s.currency = by_country[s.departure]
    return s


def _consignees(s: Shipments, world: World, index: dict[str, int],
                countries: tuple[np.ndarray, np.ndarray], rng: np.random.Generator) -> None:
    """Consumers for B2C parcels (repeat buyers), EU companies for legitimate B2B freight."""
    cfg = world.cfg
    n = len(s)
    consumer_pick = (rng.pareto(1.5, n) * cfg.n_consumers / 8).astype(np.int64) % cfg.n_consumers
    companies = np.array([index[c.id] for c in world.companies])
    legit_b2b = ~s.consumer & ~s.fake
    s.consignee = np.where(s.consumer, consumer_pick, s.consignee)
    s.consignee[legit_b2b] = companies[rng.integers(0, len(companies), int(legit_b2b.sum()))]
    named, consumers = countries
    s.destination = np.where(s.consumer, consumers[s.consignee % len(consumers)],
                             named[s.consignee % len(named)])


def _camouflage(s: Shipments, world: World, index: dict[str, int], vocab: Vocab) -> None:
    """Camouflaged rings' parcels leave from a host account like the host's own: its name and
    country (a direct route, Hong Kong now and then from China), the unbranded cover good with its
    true HS code, a unit value inside that good's ordinary band, under-declared like everyone's,
    packed so that the weight fits the cover. Only the content (what an inspection finds) is
    the ring's."""
    rng = stream(world.cfg, "camouflage-shipments")
    hosted = [k for k, r in enumerate(world.rings) if r.camouflaged]
    s.camouflaged = s.fake & np.isin(s.ring, hosted)
    idx = np.flatnonzero(s.camouflaged)
    for k in hosted:
        sel = idx[s.ring[idx] == k]
        hosts = world.rings[k].hosts
        pick = rng.integers(0, len(hosts), len(sel))
        s.shipper[sel] = np.array([index[h.id] for h in hosts])[pick]
        s.origin[sel] = s.departure[sel] = np.array([CIDX[h.country] for h in hosts])[pick]
    via = (s.departure[idx] == CIDX["CN"]) & (rng.random(len(idx)) < 0.12)
    s.departure[idx[via]] = CIDX["HK"]
    dress_as_cover(s, idx, vocab, rng)


def dress_as_cover(s: Shipments, idx: np.ndarray, vocab: Vocab, rng: np.random.Generator) -> None:
    """Declare the parcels ``idx`` as their brand's unbranded cover good: its wording and true
    HS code, a unit value inside its ordinary band, a weight that fits it."""
    cover = COVER_OF_BRAND[s.brand[idx]]
    s.description[idx] = vocab.generic_desc[cover]
    hs_pos = {h: i for i, h in enumerate(vocab.hs_codes)}
    s.hs[idx] = np.array([hs_pos[x[1]] for x in GENERIC_GOODS])[cover]
    unit = rng.uniform(np.array([x[2] for x in GENERIC_GOODS])[cover],
                       np.array([x[3] for x in GENERIC_GOODS])[cover])
    s.value_eur[idx] = np.round(s.quantity[idx] * unit * rng.uniform(0.6, 1.0, len(idx)), 2)
    unit_kg = np.array([x[4] for x in GENERIC_GOODS])[cover]
    s.weight_g[idx] = np.round(1000 * (s.quantity[idx] * unit_kg
                                       * rng.uniform(0.9, 1.3, len(idx)) + 0.15))


def _to_mules(s: Shipments, world: World, index: dict[str, int]) -> None:
    """Rings with a mule address send part of their parcels for its country — consumer-sized
    ones as well as bulk — to its recipients instead of to consumers and drops; a few names get
    most. Only parcels already bound for that country are redirected, so no destination (and so
    no gateway or customs declaration) changes."""
    rng = stream(world.cfg, "mule-shipments")
    for k, ring in enumerate(world.rings):
        if not ring.mules:
            continue
        sel = np.flatnonzero((s.ring == k) & (s.destination == CIDX[ring.mules[0].country]))
        parcel_share, bulk_share = rng.uniform(0.4, 0.9), rng.uniform(0.5, 0.9)
        go = sel[rng.random(len(sel)) < np.where(s.parcel[sel], parcel_share, bulk_share)]
        names = np.array([index[m.id] for m in ring.mules])
        weight = rng.dirichlet(np.ones(len(names)))
        s.consignee[go] = names[rng.choice(len(names), len(go), p=weight)]
        s.consumer[go] = False


def _transit(s: Shipments, world: World) -> np.ndarray:
    """Transit legs of every shipment (``covert.transit_legs``) as country indices."""
    codes = transit_legs(world.cfg, np.array(COUNTRY_CODES)[s.departure], s.day, s.ring,
                         s.camouflaged, world.rings)
    lookup = np.array([*(CIDX[c] for c in TRANSIT_CODES), -1])
    return lookup[codes]
