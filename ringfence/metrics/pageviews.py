"""The page-view measure: the share of listing page views on listings with no valid
counterfeit complaint, per day and brand.

"Valid" is what the complaint data can tell: a complaint is valid when the marketplace's
decision on it is ``upheld``. Rejected and withdrawn complaints are not valid; a ``pending`` one
is not valid *yet*, so its views are counted apart and a second share says what the measure
would be if every pending complaint were upheld (the measure's lower bound today). A listing's
views count as "with a valid complaint" on every day when it has an upheld complaint at all,
before the decision too: customers saw the counterfeit then. The brand is the one the listing
claims. A complaint is matched to the listing it names in the complainant's own data, so a
marketplace's notice register (which carries its decisions) is what the measure uses, together
with the notices filed in Ringfence itself (``ringfence complaints``, docs/brands.md) at their
current outcome: upheld by the marketplace or by a brand's self-service removal, and no longer
once reinstated after a counter-notice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa

from ringfence.errors import UserError
from ringfence.model.feeds import feeds
from ringfence.model.records.base import make_id
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake

ALL_BRANDS = "*"
NO_BRAND = ""
DEFINITION = (
    "share of listing page views on listings with no upheld complaint; pending complaints are "
    "counted apart (share_if_pending_upheld); brand = the listing's claimed brand"
)

_SQL = """
WITH c AS (
    SELECT listing_ref,
           max(CASE WHEN decision = 'upheld' THEN 1 ELSE 0 END) AS upheld,
           max(CASE WHEN decision = 'pending' THEN 1 ELSE 0 END) AS pending
    FROM (SELECT listing_ref, decision FROM complaints
          UNION ALL SELECT listing_ref, decision FROM recorded_complaints)
    GROUP BY listing_ref
), v AS (
    SELECT p.date, coalesce(trim(l.brand), '') AS brand, p.views,
           coalesce(c.upheld, 0) AS upheld, coalesce(c.pending, 0) AS pending
    FROM pageviews p
    LEFT JOIN listings l ON l.id = p.listing_ref
    LEFT JOIN c ON c.listing_ref = p.listing_ref
    WHERE p.views > 0 {where}
)
SELECT date, brand, sum(views) AS views,
       sum(CASE WHEN upheld = 1 THEN views ELSE 0 END) AS upheld_views,
       sum(CASE WHEN upheld = 0 AND pending = 1 THEN views ELSE 0 END) AS pending_views
FROM v GROUP BY date, brand ORDER BY date, brand
"""


@dataclass(frozen=True)
class PageViewShare:
    """One day and brand (``*`` for all brands) of the measure."""

    date: str
    brand: str
    views: int
    views_with_valid_complaint: int
    views_with_pending_complaint: int
    share_no_valid_complaint: float
    share_if_pending_upheld: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _row(date: str, brand: str, views: int, upheld: int, pending: int) -> PageViewShare:
    return PageViewShare(
        date, brand, views, upheld, pending,
        round(1 - upheld / views, 6), round(1 - (upheld + pending) / views, 6),
    )  # fmt: skip


def measure_rows(rows: list[dict[str, Any]]) -> list[PageViewShare]:
    """Per day, one row per brand and one for all brands (``*``), from summed view rows."""
    out: list[PageViewShare] = []
    days: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        date = row["date"].isoformat() if isinstance(row["date"], dt.date) else str(row["date"])
        views, upheld = int(row["views"]), int(row["upheld_views"])
        pending = int(row["pending_views"])
        out.append(_row(date, row["brand"] or NO_BRAND, views, upheld, pending))
        total = days[date]
        total[0], total[1], total[2] = total[0] + views, total[1] + upheld, total[2] + pending
    out += [_row(d, ALL_BRANDS, *t) for d, t in days.items()]
    return sorted(out, key=lambda r: (r.date, r.brand != ALL_BRANDS, r.brand))


def pageview_measure(
    settings: Settings,
    *,
    brand: str | None = None,
    since: dt.date | None = None,
    engine: Engine | None = None,
    marketplace: str | None = None,
) -> list[PageViewShare]:
    """The measure from the lake's pageviews, listings and complaints (every organisation's).

    ``brand`` keeps one claimed brand (case-insensitive), ``since`` days from that date on,
    ``marketplace`` the page views one organisation supplied. ``UserError`` when no page views
    were ingested.
    """
    lake, owned = Lake(settings), engine is None
    engine = engine or open_engine(settings)
    try:
        if not lake.register(engine, "pageviews"):
            raise UserError("no page views ingested; ingest a pageviews feed first")
        for name in ("listings", "complaints"):
            lake.register(engine, name, feeds()[name].schema)
        engine.register_arrow("recorded_complaints", recorded_complaints(settings))
        where = ""
        if brand is not None:
            where += f" AND lower(trim(l.brand)) = {_text(brand.strip().lower())}"
        if since is not None:
            where += f" AND p.date >= DATE '{since.isoformat()}'"
        if marketplace is not None:
            where += f" AND p.organisation = {_text(marketplace)}"
        rows = engine.query(_SQL.format(where=where)).to_pylist()
    finally:
        if owned:
            engine.close()
    return measure_rows(rows)


def recorded_complaints(settings: Settings) -> pa.Table:
    """Notices filed in Ringfence (``ringfence complaints``), as the register's rows: the
    listing's record id and the notice's current outcome (a notice reinstated after a
    counter-notice is ``rejected``). Empty without an operational store."""
    from ringfence.store.operational import OperationalStore

    refs: list[str] = []
    decisions: list[str] = []
    if settings.database_url or (settings.data_dir / "ringfence.sqlite").exists():
        with OperationalStore.open(settings) as store:
            for c in store.brand_complaints(limit=10_000_000):
                refs.append(make_id(c.marketplace, "listings", c.listing))
                decisions.append(c.status)
    return pa.table({"listing_ref": pa.array(refs, pa.string()),
                     "decision": pa.array(decisions, pa.string())})  # fmt: skip


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
