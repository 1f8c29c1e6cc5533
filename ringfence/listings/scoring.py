"""Listing risk: the seller-risk model asked again the moment a listing is created, joined
with what the listing's own facts say.

Two chances, joined as independent (``evidence.combine``): the calibrated probability that the
seller is confirmed counterfeit within the seller model's horizon, from everything known about
the seller (signals, links, notices, neighbours, resolved entity) *with this listing counted*;
and the share of listings showing the same facts (brand claimed without authorisation, price far
below the genuine floor, protected GTIN) that had an upheld notice (``evidence.Evidence``). The
seller's other listings count up to this one (in listing order), so the batch score of the
newest listing is what it scored online at creation. Reasons: the listing's facts in words with
their rate, then the seller model's three strongest contributions (``marketplace.reasons``).

``ListingScorer`` keeps every seller's feature row as a matrix; scoring one listing copies one
row, adds the listing and runs one single-threaded prediction: no lake access per request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ringfence.listings.catalogue import Catalogue, Flags
from ringfence.listings.evidence import Evidence, combine
from ringfence.marketplace.reasons import explain
from ringfence.score.model import LabelModel

COUNTS = {"listings_unauthorised": "unauthorised", "listings_below_genuine": "below_genuine",
          "listings_protected": "protected"}  # fmt: skip


@dataclass(frozen=True)
class ListingScore:
    """One listing's score, reasons (in words) and flags."""

    score: float
    reasons: str
    flags: Flags


def listing_words(flags: Flags, brand: str | None) -> list[str]:
    """The listing's own facts in words (empty when it shows none)."""
    words = []
    if flags.unauthorised:
        words.append(f"claims {brand!s} without being an authorised seller")
    if flags.below_genuine:
        words.append(f"priced at {flags.price_ratio:.0%} of the lowest genuine price")
    if flags.protected:
        words.append("GTIN of a brand's protected product")
    return words


class ListingScorer:
    """Seller feature rows and the seller model, ready to score a listing in microseconds."""

    def __init__(
        self,
        model: LabelModel,
        features: list[str],
        rows: pd.DataFrame,
        keys: Mapping[tuple[str, str], str],
        catalogue: Catalogue,
        evidence: Evidence,
        version: str = "",
    ) -> None:
        """``rows``: features by seller id (``marketplace.features.snapshot``); ``keys``:
        (organisation, seller key) -> seller id; ``catalogue``: the brands' products;
        ``evidence``: upheld shares of listing facts."""
        self.model, self.features, self.catalogue = model, features, catalogue
        self.evidence, self.version = evidence, version
        frame = rows.reindex(columns=features)
        self.matrix = frame.to_numpy(dtype=float)
        self.position = {seller: i for i, seller in enumerate(frame.index)}
        self.keys = dict(keys)
        self.column = {name: j for j, name in enumerate(features)}

    def row(self, organisation: str, seller: str) -> np.ndarray:
        """The seller's features before the listing (all unknown for a seller not yet known)."""
        sid = self.keys.get((organisation, seller))
        i = self.position.get(sid) if sid is not None else None
        if i is None:
            return np.full(len(self.features), np.nan)
        return self.matrix[i].copy()

    def add(self, x: np.ndarray, flags: Flags) -> np.ndarray:
        """``x`` with one more listing showing ``flags`` counted in its listing features."""
        col = self.column
        if "listings" in col:
            x[col["listings"]] = np.nan_to_num(x[col["listings"]]) + 1
        for name, attr in COUNTS.items():
            if name in col:
                x[col[name]] = np.nan_to_num(x[col[name]]) + getattr(flags, attr)
        j = col.get("listings_min_price_ratio")
        if j is not None and not math.isnan(flags.price_ratio):
            x[j] = flags.price_ratio if math.isnan(x[j]) else min(x[j], flags.price_ratio)
        return x

    def score(self, organisation: str, listing: Mapping[str, Any]) -> ListingScore:
        """Score one new listing (``seller`` key, ``brand``, ``gtin``, ``price``)."""
        flags = self.catalogue.flags(listing)
        x = self.add(self.row(organisation, str(listing.get("seller"))), flags)
        return self.scored(x[None, :], [flags], [listing.get("brand")])[0]

    def scored(
        self, x: np.ndarray, flags: list[Flags], brands: list[Any], threads: int = 1
    ) -> list[ListingScore]:
        """Scores and reasons of feature rows ``x`` (one per listing)."""
        probability = self.model.probability(x, threads=threads)
        contrib = self.model.contributions(x, threads=threads)
        out = []
        for i, f in enumerate(flags):
            named = dict(zip(self.features, x[i], strict=True))
            rate, seen = self.evidence.rate(f)
            facts = "; ".join(listing_words(f, brands[i])) or "no brand, price or GTIN flag"
            words = (
                f"{facts} ({rate:.0%} of {seen:,} such listings upheld counterfeit); "
                f"seller {probability[i]:.0%}: {explain(contrib[i], self.features, named)}"
            )
            score = combine(float(probability[i]), rate)
            out.append(ListingScore(round(score, 6), words, f))
        return out
