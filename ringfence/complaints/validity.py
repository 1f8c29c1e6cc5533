"""How likely a brand's notice against a listing is valid, and why, from facts known at filing.

The score adds fixed log-odds points per fact (no fitting: each point is stated below and in
docs/brands.md) and squashes the sum to a probability; a notice at or above ``VALID_AT`` counts
as valid. Bad-faith signs: the seller is authorised for the brand, the listing claims neither
the brand nor one of its GTINs, the price is in the genuine range, the complainant filed against
many unrelated sellers within days, most of the complainant's past notices were rejected.
Good-faith signs: a price far below the genuine range, an unauthorised seller claiming the
brand, a code-protected product whose seller showed no code, border seizures of the seller's
goods, earlier notices against the seller upheld. A grey-market reseller's profile counts
against a notice: an established account (``GREY_AGE_DAYS`` or older) with no notice upheld,
no seizure and no missing code, offering the brand's own GTIN below the lowest genuine price
but not far below it (parallel imports of genuine goods are lawful; a notice against them is an
abuse). All points are set by hand, not fitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

VALID_AT = 0.5
BASE = 1.0  # most notices are filed in good faith
FAR_BELOW = 0.5  # as ``marketplace.data.FAR_BELOW``
GENUINE_FROM = 1.0  # at or above the lowest genuine price: the genuine range
BURST_SELLERS = 8  # unrelated sellers within BURST_DAYS that make a burst
BURST_DAYS = 7
HISTORY_MIN = 5  # decided notices before the complainant's record counts
HISTORY_NORMAL = 0.15  # share rejected that a careful complainant still sees
GREY_AGE_DAYS = 365  # an account this old has a trading record, not a throwaway


@dataclass(frozen=True)
class ComplaintFacts:
    """What is known about one notice when it is filed (or re-scored)."""

    brand: str
    listing_claims_brand: bool  # the listing's brand is the notice's brand (or an alias)
    gtin_of_brand: bool  # the listing's GTIN is one of the brand's products
    brand_in_catalogue: bool  # the brand's products (prices, authorised sellers) are known
    authorised: bool  # the seller is among the brand's authorised sellers
    price_ratio: float | None  # price / the lowest genuine price (the product's, or the brand's)
    no_code_shown: bool = False  # code-protected product, no valid code shown by the seller
    border_seizures: int = 0  # seizures of goods the seller's resolved entity shipped
    seller_upheld: int = 0  # earlier upheld notices against the seller's listings
    burst_sellers: int = 1  # unrelated sellers the complainant filed against within BURST_DAYS
    past_decided: int = 0  # the complainant's notices decided before this one was filed
    past_rejected: int = 0
    complainant: str = ""
    seller_age_days: int | None = None  # days since the seller's account was opened


@dataclass(frozen=True)
class Validity:
    """A notice's validity score (0-1), whether it counts as valid, and the reasons."""

    score: float
    valid: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The reasons as one line."""
        return "; ".join(self.reasons)


def _points(f: ComplaintFacts) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    claims = f.listing_claims_brand or f.gtin_of_brand
    if f.authorised:
        out.append((-3.5, f"the seller is an authorised seller of {f.brand}"))
    elif not claims:
        out.append((-2.5, f"the listing claims neither {f.brand} nor one of its GTINs"))
    elif f.brand_in_catalogue:
        out.append((0.5, f"the seller is not an authorised seller of {f.brand}"))
    if claims and f.price_ratio is not None and math.isfinite(f.price_ratio):
        pct = f"{f.price_ratio:.0%}"
        if f.price_ratio < FAR_BELOW:
            out.append((2.0, f"priced at {pct} of the lowest genuine price"))
        elif f.price_ratio >= GENUINE_FROM:
            out.append((-1.5, f"priced in the genuine range ({pct} of the lowest genuine price)"))
    if _grey_profile(f):
        out.append((-2.0, f"an established seller (account {f.seller_age_days} days old, no "
                    f"notice upheld) offers {f.brand}'s own GTIN at {f.price_ratio:.0%} of the "
                    "lowest genuine price: a grey-market reseller of genuine goods"))  # fmt: skip
    if f.no_code_shown:
        out.append((1.5, "a code-protected product whose seller showed no valid code"))
    if f.border_seizures:
        out.append((2.0, f"{f.border_seizures} border seizures of the seller's goods"))
    if f.seller_upheld:
        n = f.seller_upheld
        out.append((min(2.0, 0.5 + 0.5 * n), f"{n} earlier notices against the seller upheld"))
    if f.burst_sellers >= BURST_SELLERS:
        who = f.complainant or "the complainant"
        text = f"{who} filed against {f.burst_sellers} unrelated sellers within {BURST_DAYS} days"
        out.append((-2.0, text))
    if f.past_decided >= HISTORY_MIN:
        share = f.past_rejected / f.past_decided
        points = max(-3.0, min(0.5, -6.0 * (share - HISTORY_NORMAL)))
        who = f.complainant or "the complainant"
        text = f"{f.past_rejected} of {f.past_decided} past notices of {who} rejected"
        out.append((points, text))
    return out


def _grey_profile(f: ComplaintFacts) -> bool:
    """The listing looks like genuine goods sold outside the brand's distribution."""
    ratio = f.price_ratio
    return (
        f.gtin_of_brand
        and not f.authorised
        and ratio is not None
        and FAR_BELOW <= ratio < GENUINE_FROM
        and (f.seller_age_days or 0) >= GREY_AGE_DAYS
        and not (f.seller_upheld or f.border_seizures or f.no_code_shown)
    )


def score(facts: ComplaintFacts) -> Validity:
    """The notice's validity: a probability and its reasons, strongest first."""
    points = _points(facts)
    total = BASE + sum(p for p, _ in points)
    probability = 1 / (1 + math.exp(-total))
    ranked = sorted(points, key=lambda p: -abs(p[0]))
    reasons = [f"{text} ({p:+.1f})" for p, text in ranked if p]
    return Validity(round(probability, 4), probability >= VALID_AT, reasons)
