"""What a listing's own facts say: how often listings showing the same facts were upheld
counterfeit.

Listings are grouped by the pattern of their facts (brand claimed without authorisation, price
far below the genuine floor, GTIN of a protected product); a pattern's rate is the share of its
listings with an upheld notice, smoothed towards the overall share with the weight of
``PRIOR_LISTINGS`` listings, so a rare pattern neither jumps to 0 nor to 1. The listing score
joins this rate with the seller's risk as independent chances (``combine``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ringfence.listings.catalogue import Flags

PRIOR_LISTINGS = 20.0
Pattern = tuple[int, int, int]


def pattern(flags: Flags) -> Pattern:
    """The facts a rate is kept for."""
    return (flags.unauthorised, flags.below_genuine, flags.protected)


@dataclass
class Evidence:
    """Per pattern: listings seen and upheld, and the overall share upheld."""

    seen: dict[Pattern, int] = field(default_factory=dict)
    upheld: dict[Pattern, int] = field(default_factory=dict)
    overall: float = 0.0

    @classmethod
    def fit(cls, flags: Iterable[Flags], upheld: Iterable[bool]) -> Evidence:
        """Count each pattern's listings and those with an upheld notice."""
        out = cls()
        for f, bad in zip(flags, upheld, strict=True):
            key = pattern(f)
            out.seen[key] = out.seen.get(key, 0) + 1
            out.upheld[key] = out.upheld.get(key, 0) + int(bool(bad))
        total = sum(out.seen.values())
        out.overall = sum(out.upheld.values()) / total if total else 0.0
        return out

    def rate(self, flags: Flags) -> tuple[float, int]:
        """The smoothed share upheld of listings with these facts, and how many were seen."""
        key = pattern(flags)
        n = self.seen.get(key, 0)
        rate = (self.upheld.get(key, 0) + PRIOR_LISTINGS * self.overall) / (n + PRIOR_LISTINGS)
        return rate, n


def combine(seller: float, listing: float) -> float:
    """The chance that the seller or the listing is bad, taking the two as independent."""
    return 1.0 - (1.0 - seller) * (1.0 - listing)
