"""The ground truth: legitimate traders, shared forwarders and warehouses, and counterfeit rings.

Everything here is small (thousands of identities at most) and built in plain Python; the large
tables (shipments, page views) are vectorised elsewhere and only index into these lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ringfence.sim import covert, drift
from ringfence.sim.brands import BRAND_SPECS, Product, make_products
from ringfence.sim.config import SimConfig, stream
from ringfence.sim.parties import Identity, make_identity, share, unique_mailboxes
from ringfence.sim.vocab import DESTINATION_WEIGHTS, DESTINATIONS, TRANSSHIPMENT

# Description styles of counterfeit shipments, in the order rings drift through them.
STYLE_BRAND, STYLE_MISSPELT, STYLE_GENERIC, STYLE_VAGUE = 0, 1, 2, 3
CULTURE_OF = {"CN": "CN", "HK": "HK", "TR": "TR", "AE": "AE", "MY": "CN", "VN": "CN", "SG": "CN",
              "US": "EU", "GB": "EU"}


@dataclass(frozen=True)
class Phase:
    """A period of a ring's activity with one route and one way of describing goods."""

    start: int  # first day (may be before day 0)
    origin: str
    departure: str
    style: int
    transit: str | None = None  # a hub most of the phase's parcels pass through


@dataclass
class Ring:
    """A counterfeit ring: aliases that ship, EU drop addresses, seller accounts and drift."""

    id: str
    home: str
    brands: list[int]
    aliases: list[Identity]
    windows: np.ndarray  # (n_aliases, 2) active day range per alias
    drops: list[Identity]
    sellers: list[Identity]
    phases: list[Phase]
    weight: float
    investigated: bool
    hosts: list[Identity] = field(default_factory=list)  # legit accounts of a camouflaged ring
    mules: list[Identity] = field(default_factory=list)  # recipients at one mule address
    appears: int | None = None  # first day of a ring new in the period (sim/drift.py)

    @property
    def camouflaged(self) -> bool:
        """Ships through legitimate merchants' accounts instead of its own aliases."""
        return bool(self.hosts)


@dataclass
class World:
    """All identities and rings, plus the products they trade."""

    cfg: SimConfig
    products: list[Product]
    shippers: list[Identity]  # legitimate shippers (merchant, distributor, grey)
    forwarders: list[Identity]
    warehouses: list[Identity]
    companies: list[Identity]  # EU consignee/importer companies
    rings: list[Ring]
    brokers: list[Identity] = field(default_factory=list)  # customs brokers (declarants)
    sellers: list[Identity] = field(default_factory=list)  # legitimate marketplace sellers

    def identities(self) -> list[Identity]:
        """Every named identity (consumers are generated per shipment and not listed)."""
        out = (self.shippers + self.forwarders + self.warehouses + self.companies + self.brokers
               + [s for s in self.sellers if s.kind != "grey"])
        for ring in self.rings:
            out += ring.aliases + ring.drops + [s for s in ring.sellers if s not in ring.aliases]
        # Last, so that adding mules shifts no other identity's row or rendering.
        return out + [m for ring in self.rings for m in ring.mules]


def _forwarders(rng: np.random.Generator) -> list[Identity]:
    countries = ["CN", "CN", "CN", "HK", "HK", "AE", "MY", "TR"]
    return [make_identity(f"F{i:03d}", "forwarder", CULTURE_OF[c], c, rng, person=False)
            for i, c in enumerate(countries)]


def _warehouses(rng: np.random.Generator) -> list[Identity]:
    countries = ["NL", "NL", "DE", "BE", "PL"]
    return [make_identity(f"W{i:03d}", "warehouse", "EU", c, rng, person=False)
            for i, c in enumerate(countries)]


def _legit_shippers(cfg: SimConfig, forwarders: list[Identity],
                    rng: np.random.Generator) -> list[Identity]:
    """Merchants of generic goods, brand distributors and grey-market resellers."""
    out = []
    origins = ["CN"] * 6 + ["HK", "TR", "VN", "US", "GB", "MY", "SG", "AE"]
    for i in range(cfg.n_legit_shippers):
        roll = rng.random()
        kind = "merchant" if roll < 0.85 else ("distributor" if roll < 0.93 else "grey")
        brand = int(rng.integers(len(BRAND_SPECS)))
        if kind == "distributor":
            country = str(rng.choice(BRAND_SPECS[brand].made_in))
            country = country if country in CULTURE_OF else "VN"
        elif kind == "grey":
            country = str(rng.choice(["TR", "AE", "HK", "GB", "US"]))
        else:
            country = str(rng.choice(origins))
        ident = make_identity(f"L{i:05d}", kind, CULTURE_OF.get(country, "EU"), country, rng)
        ident.meta.update(brand=brand, weight=float(rng.lognormal(0.0, 1.1)))
        # Small Asian merchants hand parcels to a consolidator: its address and phone on the label.
        near = [f for f in forwarders if f.country == country]
        if near and rng.random() < 0.35:
            fwd = near[int(rng.integers(len(near)))]
            ident = share(share(ident, fwd, "address"), fwd, "phone")
        out.append(ident)
    return out


def _companies(cfg: SimConfig, warehouses: list[Identity],
               rng: np.random.Generator) -> list[Identity]:
    out = []
    for i in range(cfg.n_companies):
        country = str(rng.choice(DESTINATIONS, p=DESTINATION_WEIGHTS))
        ident = make_identity(f"C{i:05d}", "company", "EU", country, rng, person=False)
        if rng.random() < 0.3:  # e-commerce fulfilment: goods go to a shared warehouse
            ident = share(ident, warehouses[int(rng.integers(len(warehouses)))], "address")
        out.append(ident)
    return out


def _phases(cfg: SimConfig, home: str, rng: np.random.Generator) -> list[Phase]:
    """Route and description drift: every 40-120 days a ring changes departure and wording."""
    phases, day = [], -int(rng.integers(0, 60))
    style = int(rng.choice([STYLE_BRAND, STYLE_MISSPELT], p=[0.3, 0.7]))
    departure = home
    while day < cfg.days:
        origin = "CN" if home in ("HK", "AE", "MY", "TR") and rng.random() < 0.7 else home
        phases.append(Phase(day, origin, departure, style))
        day += int(rng.integers(40, 121))
        departure = str(rng.choice((*TRANSSHIPMENT, home)))
        style = min(STYLE_VAGUE, style + int(rng.integers(0, 2)))
    return phases


def _alias_windows(n: int, cfg: SimConfig, rng: np.random.Generator) -> np.ndarray:
    """Overlapping active periods: old aliases retire, new ones are opened."""
    span = cfg.days + 60
    starts = np.sort(rng.integers(-60, max(1, cfg.days - 10), n))
    starts[0] = -60
    lengths = rng.integers(max(30, span // n), max(31, span // max(1, n // 2)) + 60, n)
    return np.stack([starts, starts + lengths], axis=1)


def _ring_aliases(rid: str, home: str, n: int, forwarders: list[Identity],
                  rng: np.random.Generator) -> list[Identity]:
    """Aliases that share some identifiers from the ring's pools; each shares at least one."""
    culture = "RU" if rng.random() < 0.15 else CULTURE_OF.get(home, "CN")
    pool = [make_identity(f"{rid}-P{k}", "pool", culture, home, rng) for k in range(2)]
    near = [f for f in forwarders if f.country == home]
    out: list[Identity] = []
    for a in range(n):
        ident = make_identity(f"{rid}-A{a}", "ring-shipper", culture, home, rng, ring=rid)
        for _ in range(20):  # a ring never registers the same name twice
            if ident.name_parts not in {x.name_parts for x in out}:
                break
            ident = make_identity(f"{rid}-A{a}", "ring-shipper", culture, home, rng, ring=rid)
        shared = 0
        for what, p in (("phone", 0.55), ("email", 0.45), ("address", 0.5), ("bank", 0.6)):
            if rng.random() < p:
                ident = share(ident, pool[int(rng.integers(2))], what)
                shared += 1
        if not shared:
            ident = share(ident, pool[0], "phone")
        if near and rng.random() < 0.3:  # hiding behind a forwarder, like honest merchants
            ident = share(ident, near[int(rng.integers(len(near)))], "address")
        out.append(ident)
    return _connect(out, rng)


def _connect(aliases: list[Identity], rng: np.random.Generator) -> list[Identity]:
    """Make sure no alias stands alone: one that shares nothing takes another's phone or bank
    (the pools alone can leave an alias with an identifier no other alias drew)."""
    for i, a in enumerate(aliases):
        others = aliases[:i] + aliases[i + 1 :]
        if others and not any(a.phone == b.phone or a.email == b.email or
                              a.address == b.address or a.bank == b.bank for b in others):
            what = "phone" if rng.random() < 0.5 else "bank"
            aliases[i] = share(a, others[int(rng.integers(len(others)))], what)
    return aliases


def _ring(i: int, cfg: SimConfig, forwarders: list[Identity], rng: np.random.Generator) -> Ring:
    rid = f"R{i:03d}"
    home = str(rng.choice(["CN", "CN", "CN", "HK", "TR", "AE", "MY"]))
    brands = sorted({int(b) for b in rng.choice(len(BRAND_SPECS), int(rng.integers(1, 4)))})
    n = int(rng.integers(3, 9))
    aliases = _ring_aliases(rid, home, n, forwarders, rng)
    drops = []
    for d in range(int(rng.integers(1, 3))):
        country = str(rng.choice(["NL", "BE", "DE", "PL"]))
        drop = make_identity(f"{rid}-D{d}", "ring-drop", "EU", country, rng, ring=rid)
        drops.append(share(drop, aliases[int(rng.integers(n))], "email" if d else "bank"))
    sellers = [a for a in aliases if rng.random() < 0.35] or [aliases[-1]]
    if rng.random() < 0.5:  # a seller account opened under a fresh name with the ring's phone
        extra = make_identity(f"{rid}-S0", "ring-seller", aliases[0].culture, home, rng, ring=rid)
        sellers.append(share(extra, aliases[int(rng.integers(n))], "phone"))
    return Ring(rid, home, brands, aliases, _alias_windows(n, cfg, rng), drops, sellers,
                _phases(cfg, home, rng), float(rng.lognormal(0.0, 0.6)), rng.random() < 0.6)


def _sellers(cfg: SimConfig, shippers: list[Identity], warehouses: list[Identity],
             rng: np.random.Generator) -> list[Identity]:
    """Legitimate marketplace sellers: shops, authorised brand sellers, grey resellers."""
    out = []
    for i in range(cfg.n_marketplace_sellers):
        country = str(rng.choice((*DESTINATIONS, "CN", "CN", "HK")))
        ident = make_identity(f"M{i:05d}", "shop", CULTURE_OF.get(country, "EU"), country, rng)
        if country in DESTINATIONS and rng.random() < 0.2:
            ident = share(ident, warehouses[int(rng.integers(len(warehouses)))], "address")
        out.append(ident)
    for b in range(len(BRAND_SPECS)):
        for k in range(2):
            country = str(rng.choice(DESTINATIONS))
            ident = make_identity(f"A{b:02d}{k}", "authorised", "EU", country, rng, person=False)
            ident.meta.update(brand=b)
            out.append(ident)
    out += [s for s in shippers if s.kind == "grey"]  # grey resellers sell what they ship
    return out


def build_world(cfg: SimConfig) -> World:
    """The whole ground truth for a configuration (deterministic in ``cfg.seed``); no two
    identities drawn for it share a mailbox unless one took it from the other."""
    with unique_mailboxes():
        return _build_world(cfg)


def _build_world(cfg: SimConfig) -> World:
    rng = stream(cfg, "world")
    products = make_products(cfg)
    forwarders, warehouses = _forwarders(rng), _warehouses(rng)
    shippers = _legit_shippers(cfg, forwarders, rng)
    companies = _companies(cfg, warehouses, rng)
    rings = [_ring(i, cfg, forwarders, rng) for i in range(cfg.n_rings)]
    world = World(cfg, products, shippers, forwarders, warehouses, companies, rings)
    world.brokers = [make_identity(f"B{i:03d}", "broker", "EU", "NL", rng, person=False)
                     for i in range(3)]
    world.sellers = _sellers(cfg, shippers, warehouses, rng)
    for p in products:
        p.authorised_sellers.extend(s.id for s in world.sellers
                                    if s.kind == "authorised" and s.meta.get("brand") == p.brand)
    covert.choose_hosts(cfg, rings, shippers)
    covert.make_mules(cfg, rings)
    covert.transit_phases(cfg, rings)
    if cfg.new_ring_day is not None:  # last, from its own stream: every other ring stays as it was
        rings.append(drift.new_ring(cfg, len(rings)))
    return world
