"""How rings hide, decided once per world: camouflaged rings' host accounts, mule addresses and
transit legs of route phases.

Every decision here draws from its own random stream, after the rest of the world is built, so
switching any of them on or off leaves every other identity, ring and shipment as it was.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ringfence.sim.brands import BRAND_SPECS
from ringfence.sim.config import SimConfig, stream
from ringfence.sim.parties import Identity, make_identity, share
from ringfence.sim.vocab import GENERIC_GOODS

if TYPE_CHECKING:
    from ringfence.sim.world import Ring

# A legitimate merchant at position i of the shipper list sells GOODS_SPAN neighbouring items of
# GENERIC_GOODS starting at i * GOODS_STRIDE (``shipments._legit`` draws from the same range).
GOODS_STRIDE, GOODS_SPAN = 7, 3

# What a camouflaged ring writes on the label for each brand's goods: the unbranded good that
# honest merchants ship under the same name (and HS code).
COVER_GOODS = {"NorthPeak": "cotton t-shirt", "Glacier Line": "sports shoes (unbranded)",
               "Lumina": "cosmetics samples", "Velocita": "sports shoes (unbranded)",
               "Orrery": "wrist watch (unbranded)", "Kestrel Audio": "bluetooth speaker",
               "Maison Verel": "handbag (unbranded)", "Tindra": "plastic toy",
               "Auricle": "USB cable", "Brixa": "cotton t-shirt"}
COVER_OF_BRAND = np.array([[g[0] for g in GENERIC_GOODS].index(COVER_GOODS[b.name])
                           for b in BRAND_SPECS])
# Where an account worth hijacking (or a consolidator willing to look away) ships from.
HOST_COUNTRIES = ("CN", "HK", "TR", "VN", "MY", "SG", "AE")

MULE_RINGS = 0.4  # share of rings receiving at a mule (reshipping) address
# A mule address takes in parcels bound for its own country: mostly the Netherlands, where
# most of the rings' buyers (and Schiphol) are.
MULE_COUNTRIES = ("NL", "NL", "NL", "NL", "NL", "DE", "DE", "DE", "BE", "FR")
MULE_SHARED_PHONE = 0.25  # a recipient gives the phone of another name at the same address

TRANSIT_PHASES = 0.35  # share of a ring's route phases that add a transit hub
RING_HUBS = ("AE", "AE", "TR", "MY", "SG")


def merchant_goods(position: int) -> set[int]:
    """The generic goods (indices of GENERIC_GOODS) the merchant at ``position`` ships."""
    return {(position * GOODS_STRIDE + k) % len(GENERIC_GOODS) for k in range(GOODS_SPAN)}


def choose_hosts(cfg: SimConfig, rings: list[Ring], shippers: list[Identity]) -> None:
    """Give ``cfg.n_camouflaged`` rings one or two host accounts: established merchants in an
    exporting country whose own goods include the cover of one of the ring's brands. Hosts are
    picked in proportion to their trade (rings want busy, trusted accounts); no account hosts
    two rings."""
    rng = stream(cfg, "camouflage")
    chosen = sorted(int(k) for k in rng.choice(len(rings), cfg.n_camouflaged, replace=False))
    taken: set[int] = set()
    for k in chosen:
        cover = {int(COVER_OF_BRAND[b]) for b in rings[k].brands}
        eligible = [i for i, p in enumerate(shippers)
                    if p.kind == "merchant" and p.country in HOST_COUNTRIES and i not in taken
                    and merchant_goods(i) & cover]
        if not eligible:
            continue
        weight = np.array([float(shippers[i].meta["weight"]) for i in eligible])  # type: ignore[arg-type]
        n = min(len(eligible), 1 if rng.random() < 0.6 else 2)
        picks = rng.choice(len(eligible), n, replace=False, p=weight / weight.sum())
        rings[k].hosts = [shippers[eligible[int(j)]] for j in picks]
        taken.update(eligible[int(j)] for j in picks)


def make_mules(cfg: SimConfig, rings: list[Ring]) -> None:
    """Mule addresses: for some rings one EU address where 3-8 differently named people receive
    the ring's parcels; now and then two of them give the same phone."""
    rng = stream(cfg, "mules")
    for ring in rings:
        if rng.random() >= MULE_RINGS:
            continue
        country = str(rng.choice(MULE_COUNTRIES))
        place = make_identity(f"{ring.id}-MA", "place", "EU", country, rng, person=True)
        mules: list[Identity] = []
        for m in range(int(rng.integers(3, 9))):
            ident = make_identity(f"{ring.id}-M{m}", "ring-mule", "EU", country, rng,
                                  person=True, ring=ring.id)
            for _ in range(20):  # different names, or the address would be one person
                if ident.name_parts not in {x.name_parts for x in mules}:
                    break
                ident = make_identity(f"{ring.id}-M{m}", "ring-mule", "EU", country, rng,
                                      person=True, ring=ring.id)
            ident = share(ident, place, "address")
            if mules and rng.random() < MULE_SHARED_PHONE:
                ident = share(ident, mules[int(rng.integers(len(mules)))], "phone")
            mules.append(ident)
        ring.mules = mules


def transit_phases(cfg: SimConfig, rings: list[Ring]) -> None:
    """Some route phases add a transit hub (mostly the Gulf, Turkey, Malaysia) to blur the
    origin; the hub is never the phase's own departure or origin country."""
    rng = stream(cfg, "ring-transit")
    for ring in rings:
        phases = []
        for p in ring.phases:
            hubs = [h for h in RING_HUBS if h not in (p.departure, p.origin)]
            hub = str(hubs[int(rng.integers(len(hubs)))])
            phases.append(replace(p, transit=hub if rng.random() < TRANSIT_PHASES else None))
        ring.phases = phases


# Transit hubs between departure and the EU gateway. Far-East parcels often change planes in the
# Gulf, Hong Kong, Singapore or Istanbul, or fly into Leipzig/Liège and go on by road; parcels
# from nearer countries mostly via the German and Belgian hubs.
TRANSIT_CODES = ("AE", "HK", "SG", "TR", "MY", "DE", "BE")
FAR_EAST = ("CN", "HK", "VN", "MY", "SG", "ID", "TH", "BD", "KR")
FAR_WEIGHTS = np.array([0.3, 0.15, 0.1, 0.1, 0.0, 0.2, 0.15])
NEAR_WEIGHTS = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.4])
LEGIT_TRANSIT = (0.17, 0.10)  # share of far-East / other parcels routed through a hub
SECOND_LEG = 0.15  # a non-European hub followed by a European one (``AE/DE``)
PHASE_FOLLOW = 0.7  # share of a transit phase's parcels that take the ring's hub


def transit_legs(cfg: SimConfig, departure: np.ndarray, day: np.ndarray, ring: np.ndarray,
                 camouflaged: np.ndarray, rings: list[Ring]) -> np.ndarray:
    """Up to two transit legs per shipment as indices into TRANSIT_CODES (``len`` = none).

    Every parcel — honest or not — may be routed through a hub by the carrier; a ring in a
    transit phase sends most of its parcels through its hub on top of that. Camouflaged rings'
    parcels travel with their host's, so they get only the carrier's routing."""
    rng = stream(cfg, "transit")
    n, none = len(departure), len(TRANSIT_CODES)
    codes = np.array(TRANSIT_CODES)
    far = np.isin(departure, FAR_EAST)
    hub = np.where(far, rng.choice(none, n, p=FAR_WEIGHTS), rng.choice(none, n, p=NEAR_WEIGHTS))
    hub = np.where(codes[hub] == departure, TRANSIT_CODES.index("DE"), hub)
    routed = rng.random(n) < np.where(far, LEGIT_TRANSIT[0], LEGIT_TRANSIT[1])
    first = np.where(routed, hub, none)
    follow, second = rng.random(n) < PHASE_FOLLOW, rng.random(n) < SECOND_LEG
    eu = np.where(rng.random(n) < 0.6, TRANSIT_CODES.index("DE"), TRANSIT_CODES.index("BE"))
    for k, r in enumerate(rings):
        sel = np.flatnonzero((ring == k) & ~camouflaged)
        if r.camouflaged or not len(sel):
            continue
        phase = np.searchsorted([p.start for p in r.phases], day[sel], side="right") - 1
        ring_hub = np.array([TRANSIT_CODES.index(p.transit) if p.transit else none
                             for p in r.phases])[phase]
        take = (ring_hub != none) & follow[sel]
        first[sel[take]] = ring_hub[take]
    european = np.isin(codes[np.minimum(first, none - 1)], ("DE", "BE"))
    then = np.where((first != none) & ~european & second, eu, none)
    return np.stack([first, then], axis=1)
