"""Size and rates of the simulated world, the partner organisations, and seeded random streams."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np

SHIPMENTS_PER_DAY = 2_000
"""Shipments per simulated day at scale 1.0; ``days x 2,000 x scale`` shipments in all."""

DEFAULT_DAYS = 30

CARRIER = "swiftpost"
CUSTOMS = "customs-nl"
MARKETPLACE = "bazaar"
IPCRIME = "ipr-center"
BRAND_ORGS = ("brand-northpeak", "brand-lumina")

ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("brand-northpeak", "NorthPeak Outdoor AS", "brand"),
    ("brand-lumina", "Lumina Beauté SA", "brand"),
    (MARKETPLACE, "Bazaar Marketplace B.V. — counterfeit-crimes unit", "marketplace"),
    (CARRIER, "SwiftPost Express", "carrier"),
    (CUSTOMS, "Douane Nederland (IPR team Schiphol)", "customs"),
    (IPCRIME, "National IP-Rights Coordination Center", "ipcrime"),
)
"""(slug, name, kind) of every partner, in the order their feeds are listed."""


@dataclass(frozen=True)
class SimConfig:
    """Everything that sizes the world; all derived counts grow with ``scale`` and ``days``."""

    seed: int = 7
    days: int = DEFAULT_DAYS
    scale: float = 1.0
    start: dt.date = dt.date(2025, 1, 6)
    counterfeit_rate: float = 0.01
    malformed_rate: float = 0.002
    camouflage_share: float = 0.25
    """Share of rings (rounded, at least one when positive) that ship every parcel through an
    established legitimate merchant's account, with generic wording and ordinary prices
    (``covert.py``); 0 turns camouflaged rings off."""
    new_ring_day: int | None = None
    """Drift scenario (``drift.py``): a new ring with fresh accounts and a new route starts
    shipping on this day (0-based); None (the default) leaves the world without it."""

    @property
    def n_shipments(self) -> int:
        """Carrier manifest lines over the whole period."""
        return max(1, round(self.days * SHIPMENTS_PER_DAY * self.scale))

    @property
    def n_rings(self) -> int:
        """Counterfeit rings: more rings, not just bigger ones, in a bigger world."""
        return max(4, round(9 * self.scale**0.5 * (self.days / DEFAULT_DAYS) ** 0.25))

    @property
    def n_legit_shippers(self) -> int:
        """Legitimate shipper identities (merchants, distributors, grey-market resellers)."""
        return max(60, round(400 * self.scale**0.6 * (self.days / DEFAULT_DAYS) ** 0.3))

    @property
    def n_companies(self) -> int:
        """Legitimate consignee and importer companies in the EU."""
        return max(30, round(150 * self.scale**0.6 * (self.days / DEFAULT_DAYS) ** 0.3))

    @property
    def n_consumers(self) -> int:
        """Private consignees: repeat buyers make this smaller than the parcel count."""
        return max(50, self.n_shipments // 3)

    @property
    def n_marketplace_sellers(self) -> int:
        """Legitimate marketplace seller accounts."""
        return max(40, round(250 * self.scale**0.5 * (self.days / DEFAULT_DAYS) ** 0.3))

    @property
    def n_camouflaged(self) -> int:
        """Camouflaged rings: ``camouflage_share`` of the rings, at least one if the share > 0."""
        if self.camouflage_share <= 0:
            return 0
        return min(self.n_rings, max(1, round(self.camouflage_share * self.n_rings)))

    def end(self) -> dt.date:
        """Last simulated day."""
        return self.start + dt.timedelta(days=self.days - 1)


def stream(cfg: SimConfig, name: str) -> np.random.Generator:
    """An independent random stream per purpose, so that changing one part of the simulation
    does not shift the random numbers (and so the output) of every other part."""
    return np.random.default_rng([cfg.seed, zlib.crc32(name.encode())])
