"""Notices filed in Ringfence as labels for the models that read the marketplace's register.

The seller-risk model's notice features (``marketplace.data``) and the listing evidence
(``listings.service``) read the lake's ``complaints`` feed; these add the notices filed here, at
their current outcome (a notice reinstated after a counter-notice is ``rejected``), keyed as the
lake keys records: the seller's and the listing's record ids in the marketplace's data.
"""

from __future__ import annotations

import pandas as pd

from ringfence.model.records.base import make_id
from ringfence.settings import Settings
from ringfence.store.operational.complaint_tables import BrandComplaint

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def store_complaints(settings: Settings) -> list[BrandComplaint]:
    """Every notice filed here (none when the data directory has no operational store yet)."""
    if not settings.database_url and not (settings.data_dir / "ringfence.sqlite").exists():
        return []
    from ringfence.store.operational import OperationalStore

    with OperationalStore.open(settings) as store:
        return store.brand_complaints(limit=10_000_000)


def _day(value: object) -> float:
    if value is None:
        return float("nan")
    return float((pd.Timestamp(value).tz_convert("UTC") - EPOCH).days)


def notice_frame(settings: Settings) -> pd.DataFrame:
    """``seller`` (record id), ``filed``, ``decision``, ``decided`` (days since 1970), as
    ``SellerData.complaints``."""
    rows = [c for c in store_complaints(settings) if c.seller]
    return pd.DataFrame({
        "seller": [make_id(c.marketplace, "sellers", str(c.seller)) for c in rows],
        "filed": [_day(c.filed_at) for c in rows],
        "decision": [c.status for c in rows],
        "decided": [_day(c.decided_at) for c in rows],
    }, columns=["seller", "filed", "decision", "decided"])  # fmt: skip


def upheld_listings(settings: Settings) -> set[tuple[str, str]]:
    """(marketplace, listing key) of listings whose notice filed here stands upheld."""
    return {(c.marketplace, c.listing) for c in store_complaints(settings) if c.status == "upheld"}
