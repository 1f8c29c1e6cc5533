"""The marketplace: seller accounts (Parquet) and listings (Parquet).

Ring aliases open seller accounts under the same identities they ship under (with noise), so a
seller can be linked to shipments across partners. Legitimate sellers include authorised brand
sellers, ordinary shops and grey-market resellers of genuine goods (cheap, but not fake).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import MARKETPLACE, SimConfig, stream
from ringfence.sim.parties import Identity
from ringfence.sim.truth import TruthLog
from ringfence.sim.vocab import GENERIC_GOODS
from ringfence.sim.world import World
from ringfence.sim.writers import write_parquet

SELLERS = f"{MARKETPLACE}/seller_accounts.parquet"
LISTINGS = f"{MARKETPLACE}/listings.parquet"
TAGS = ("", " AAA quality", " 1:1", " original", " top quality", " NEW", " outlet", " cheap")


@dataclass
class Seller:
    """A seller account and the identity behind it."""

    id: str
    identity: Identity
    kind: str  # shop, authorised, grey, ring
    registered: dt.date


@dataclass
class Listing:
    """One listing, with its ground truth."""

    id: str
    seller: Seller
    title: str
    brand: int  # -1: no brand claimed
    gtin: str | None
    price: float
    listed: dt.date
    counterfeit: bool
    kind: str  # counterfeit, camouflage, authorised, grey, generic
    status: str = "active"


def make_sellers(world: World) -> list[Seller]:
    """Every seller account, legitimate ones first, ids shuffled like a real platform's."""
    cfg = world.cfg
    rng = stream(cfg, "sellers")
    accounts: list[tuple[Identity, str, int]] = []
    for ident in world.sellers:
        kind = "grey" if ident.kind == "grey" else ident.kind
        opened = -int(rng.integers(30, 2000))
        if opened > -600 and kind == "shop":  # new shops open all the time, rings are not alone
            opened = (opened + 600) * cfg.days // 570
        accounts.append((ident, kind, opened))
    for ring in world.rings:
        for ident in ring.sellers:
            a = ring.aliases.index(ident) if ident in ring.aliases else len(ring.aliases) - 1
            late = int(rng.integers(0, 20))
            # Three in ten ring accounts are aged accounts bought on the black market.
            opened = -200 - 80 * late if late < 6 else int(ring.windows[a, 0]) + late
            accounts.append((ident, "ring", opened))
    numbers = rng.choice(900_000, len(accounts), replace=False) + 100_000
    return [Seller(f"BZ{num}", ident, kind, cfg.start + dt.timedelta(days=day))
            for (ident, kind, day), num in zip(accounts, numbers, strict=True)]


def link_authorised(world: World, sellers: list[Seller]) -> None:
    """Brands list their authorised sellers by marketplace account id, not by identity."""
    account = {s.identity.id: s.id for s in sellers}
    for p in world.products:
        p.authorised_sellers[:] = [account[i] for i in p.authorised_sellers if i in account]


def _listing(seller: Seller, world: World, rng: np.random.Generator, n: int) -> Listing:
    """One listing of a seller; what it sells depends on the kind of seller."""
    cfg = world.cfg
    kind, brand, gtin = "generic", -1, None
    if seller.kind == "ring":
        kind = "counterfeit" if rng.random() < 0.85 else "camouflage"
    elif seller.kind in ("authorised", "grey"):
        kind = seller.kind
    start = max((seller.registered - cfg.start).days, -300)
    listed = cfg.start + dt.timedelta(days=int(rng.integers(start, max(start + 1, cfg.days))))
    lid = f"{seller.id}-{n:03d}"
    if kind in ("generic", "camouflage"):
        g = GENERIC_GOODS[int(rng.integers(len(GENERIC_GOODS)))]
        return Listing(lid, seller, f"{g[0].capitalize()}{TAGS[int(rng.integers(5, 8))]}", -1,
                       None, round(float(rng.uniform(g[2], g[3]) * 1.6), 2), listed, False, kind)
    if kind == "counterfeit":
        ring = next(r for r in world.rings if r.id == seller.identity.ring)
        brand = int(rng.choice(ring.brands))
    else:
        brand = int(seller.identity.meta.get("brand", 0))  # type: ignore[call-overload]
    prods = [p for p in world.products if p.brand == brand]
    prod = prods[int(rng.integers(len(prods)))]
    spec = BRAND_SPECS[brand]
    if kind == "counterfeit":
        shown = spec.name if rng.random() < 0.6 else str(rng.choice(spec.misspellings))
        title = f"{shown} {prod.name.removeprefix(spec.name).strip()}{TAGS[int(rng.integers(8))]}"
        # Most fakes are cheap; about a third sell for more than half the genuine floor.
        price = prod.price_min * (0.1 + 0.85 * float(rng.uniform(0.0, 1.0)) ** 2)
        gtin = prod.gtin if rng.random() < 0.4 else None
        return Listing(lid, seller, title, brand, gtin, round(price, 2), listed, True, kind)
    factor = rng.uniform(1.0, 1.1) if kind == "authorised" else rng.uniform(0.6, 0.85)
    price = (prod.price_min if kind == "grey" else rng.uniform(prod.price_min, prod.price_max))
    return Listing(lid, seller, prod.name, brand, prod.gtin, round(float(price * factor), 2),
                   listed, False, kind)


def make_listings(world: World, sellers: list[Seller]) -> list[Listing]:
    """Listings of every seller: rings list many fakes and a few innocent items as cover."""
    rng = stream(world.cfg, "listings")
    out = []
    for seller in sellers:
        count = int(rng.integers(5, 25) if seller.kind == "ring" else rng.integers(2, 12))
        out += [_listing(seller, world, rng, k) for k in range(count)]
    return out


def write_sellers(
    out: Path,
    cfg: SimConfig,
    sellers: list[Seller],
    truth: TruthLog,
    signals: dict[str, list[float | None]] | None = None,
) -> None:
    """Seller accounts as Parquet, with native date columns, their ``signal_*`` columns
    (``seller_signals``), and their party truth."""
    rng = stream(cfg, "seller-render")
    rows: dict[str, list[object]] = {k: [] for k in (
        "seller_id", "entity_type", "legal_name", "shop_name", "address_line", "city", "zip",
        "country_code", "contact_phone", "contact_email", "vat_id", "payout_account", "shop_url",
        "registered", "account_state")}
    for s in sellers:
        r = s.identity.render(rng, noisy=s.kind == "ring" and rng.random() < 0.7)
        values = (s.id, "individual" if s.identity.schema == "Person" else "business", r["name"],
                  _shop_name(s, rng), r["street"], r["city"], r["postcode"], r["country"],
                  r["phone"], r["email"], r["identifier"], r["bank_account"], r["website"],
                  s.registered, "active")
        for key, value in zip(rows, values, strict=True):
            rows[key].append(value)
    table = pa.table({k: pa.array(v, pa.date32() if k == "registered" else pa.string())
                      for k, v in rows.items()})
    for name, signal in (signals or {}).items():
        table = table.append_column(name, pa.array(signal, pa.float64()))
    write_parquet(table, out / SELLERS)
    truth.mentions(MARKETPLACE, "sellers", "seller", pa.array(rows["seller_id"]),
                   pa.array([s.identity.id for s in sellers]),
                   pa.array([s.identity.ring for s in sellers], pa.string()))


def _shop_name(s: Seller, rng: np.random.Generator) -> str:
    words = ("Store", "Shop", "Outlet", "Deals", "World", "Express", "Official", "Trends")
    base = s.identity.name_parts[-1].split()[0]
    return f"{base} {words[int(rng.integers(len(words)))]}"


def _prices(cfg: SimConfig, listings: list[Listing], truth: TruthLog) -> pa.Array:
    """Prices, a few of them negative: a seller tool's sign bug, for quarantine to catch."""
    rng = stream(cfg, "listing-breaks")
    price = np.array([x.price for x in listings])
    bad = np.flatnonzero(rng.random(len(price)) < cfg.malformed_rate * 1.5)
    price[bad] = -price[bad]
    truth.malformed(MARKETPLACE, "listings", LISTINGS, pa.array([listings[i].id for i in bad],
                                                                 pa.string()),
                    bad, ["price"] * len(bad), ["negative price"] * len(bad))
    return pa.array(price)


def write_listings(out: Path, cfg: SimConfig, listings: list[Listing], truth: TruthLog) -> None:
    """Listings as Parquet, and which of them are counterfeit."""
    table = pa.table({
        "listing_id": [x.id for x in listings],
        "seller_id": [x.seller.id for x in listings],
        "title": [x.title for x in listings],
        "brand_claimed": pa.array([BRAND_SPECS[x.brand].name if x.brand >= 0 else None
                                   for x in listings], pa.string()),
        "ean": pa.array([x.gtin for x in listings], pa.string()),
        "price_eur": _prices(cfg, listings, truth),
        "listed_on": pa.array([x.listed for x in listings], pa.date32()),
        "ships_from": [x.seller.identity.country for x in listings],
        "state": [x.status for x in listings],
    })
    write_parquet(table, out / LISTINGS)
    truth.add("listings", pa.table({
        "organisation": [MARKETPLACE] * len(listings),
        "source_key": [x.id for x in listings],
        "seller_id": [x.seller.id for x in listings],
        "entity_id": [x.seller.identity.id for x in listings],
        "ring_id": pa.array([x.seller.identity.ring for x in listings], pa.string()),
        "kind": [x.kind for x in listings],
        "is_counterfeit": [x.counterfeit for x in listings],
        "brand": pa.array([BRAND_SPECS[x.brand].name if x.brand >= 0 else None
                           for x in listings], pa.string()),
    }))
