"""The marketplace analyst's review queue: riskiest listings under a capacity, with exploration.

As the inspection queue (``target.select``): of ``capacity`` slots, ``round(capacity ×
exploration)`` are drawn uniformly at random from the live listings not in the top of the
ranking, the rest go to the highest listing scores. Each review records how it was picked and
its inclusion probability (1 for the exploited top, ``k / m`` for ``k`` draws among ``m``), so
what analysts find on explored listings estimates what the ranking misses without bias.
Candidates are the organisation's live listings (status not removed or closed) with no action in
force on them, their seller (suspension) or the seller's stock of their product.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from ringfence.listings.service import load_scorer, scored_listings
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.listing_tables import ListingAction
from ringfence.store.operational.listings import ReviewDraft
from ringfence.target.select import select

CLOSED = ("removed", "closed")


def in_force(actions: list[ListingAction]) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """Listings, sellers and (seller, GTIN) stocks under an action in force."""
    live = [a for a in actions if a.state() == "active"]
    listings = {a.listing for a in live if a.listing and a.kind in ("hold", "take_down")}
    sellers = {a.seller for a in live if a.seller and a.kind == "suspend"}
    stocks = {(a.seller, a.gtin) for a in live if a.kind == "hold_stock" and a.seller and a.gtin}
    return listings, sellers, stocks


def candidates(frame: pd.DataFrame, actions: list[ListingAction]) -> pd.DataFrame:
    """Live listings without an action in force on them, their seller or their stock."""
    listings, sellers, stocks = in_force(actions)
    status = frame["status"].fillna("").astype(str).str.strip().str.lower()
    acted = [
        row.listing in listings or row.seller in sellers or (row.seller, row.gtin) in stocks
        for row in frame.itertuples()
    ]
    return frame[~status.isin(CLOSED).to_numpy() & ~np.asarray(acted, dtype=bool)]


def build_queue(
    settings: Settings,
    store: OperationalStore,
    organisation: str,
    *,
    capacity: int,
    exploration: float,
    seed: int,
    actor: str,
    review_date: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Pick and store the organisation's reviews for ``review_date`` (default today, UTC)."""
    scorer = load_scorer(settings)
    frame = scored_listings(settings, scorer)
    frame = frame[frame["organisation"] == organisation].reset_index(drop=True)
    frame = candidates(frame, store.listing_actions(organisation)).reset_index(drop=True)
    picks = select(frame["score"].to_numpy(dtype=float), capacity, exploration,
                   np.random.default_rng(seed))  # fmt: skip
    drafts = []
    for pick in picks:
        row = frame.iloc[pick.index]
        drafts.append(ReviewDraft(
            listing=str(row["listing"]), seller=_text(row["seller"]), brand=_text(row["brand"]),
            rank=pick.rank, score=float(row["score"]), selected_by=pick.selected_by,
            selection_probability=pick.selection_probability, reasons=str(row["reasons"])[:2000],
            model_version=scorer.version[:120],
        ))  # fmt: skip
    day = (review_date or dt.datetime.now(dt.UTC).date()).isoformat()
    rows = store.write_listing_reviews(organisation, day, drafts, actor=actor)
    return [r.to_dict() for r in rows]


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
