"""The page-view measure as the dashboard and its JSON twin show it, through the policy gate.

The measure is ``metrics.pageviews.pageview_measure`` (the function ``ringfence metrics
pageviews`` prints), computed per marketplace over the page views that marketplace supplied.
Its rows are the dataset ``pageview_measure`` of the policy gate, owned by that marketplace: the
marketplace reads all of its rows (every brand and all brands together, ``*``); a partner reads
them only through an agreement, typically a brand with the row filter ``{"brand":
"$recipient_brands"}``, so a brand sees the measure of its own brands and nothing else.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ringfence.errors import UserError
from ringfence.metrics.pageviews import ALL_BRANDS, DEFINITION, pageview_measure
from ringfence.service import sharing
from ringfence.service.context import Caller, Services

DATASET = "pageview_measure"


class PageViewDay(BaseModel):
    """One marketplace, day and brand (``*``: all brands) of the measure."""

    organisation: str = Field(description="the marketplace whose page views these are")
    date: str
    brand: str
    views: int | None = None
    views_with_valid_complaint: int | None = None
    views_with_pending_complaint: int | None = None
    share_no_valid_complaint: float | None = None
    share_if_pending_upheld: float | None = None


class PageViews(BaseModel):
    """The measure over the window the caller may read: per day and per brand."""

    definition: str = DEFINITION
    since: str | None = None
    until: str | None = None
    daily: list[PageViewDay] = Field(default_factory=list)
    by_brand: list[PageViewDay] = Field(
        default_factory=list,
        description="the window's views and shares per marketplace and brand (date = until)",
    )


def _rows(services: Services, organisation: str) -> list[dict[str, Any]]:
    try:
        found = pageview_measure(services.settings, marketplace=organisation)
    except UserError:  # no page views ingested
        return []
    return [
        {**r.to_dict(), "id": f"{organisation}:{r.date}:{r.brand}", "organisation": organisation}
        for r in found
        if r.views
    ]


def _visible(policy: sharing.Policy, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows the gate passes; the all-brands rows (``*``) only through a grant without a row
    filter on ``brand``: they pass the gate with no brand, so no brand name or alias (``*`` is
    not refused as one) admits them (red team M6: a brand read every brand's sums)."""
    whole = {r["id"] for r in rows if r["brand"] == ALL_BRANDS}
    marked = [{**r, "brand": None} if r["id"] in whole else r for r in rows]
    shown = policy.visible(DATASET, marked)
    return [{**r, "brand": ALL_BRANDS} if r["id"] in whole and "brand" in r else r for r in shown]


def pageviews(services: Services, caller: Caller, days: int = 30) -> PageViews:
    """The measure of the last ``days`` days of page views the caller may read."""
    policy = sharing.Policy.load(services, caller)
    markets = [o.slug for o in services.store.organisations() if o.kind == "marketplace"]
    owners = set(policy.owners(DATASET))
    rows: list[dict[str, Any]] = []
    for market in sorted(m for m in markets if m in owners):
        rows += _visible(policy, _rows(services, market))
    dates = sorted({r["date"] for r in rows})[-days:]
    if not dates:
        return PageViews()
    shown = [PageViewDay(**r) for r in rows if r["date"] >= dates[0]]
    return PageViews(since=dates[0], until=dates[-1], daily=shown, by_brand=_totals(shown))


def _totals(days: list[PageViewDay]) -> list[PageViewDay]:
    """Per marketplace and brand, the window's sums and shares (all brands first)."""
    sums: dict[tuple[str, str], list[int]] = {}
    last = max(d.date for d in days)
    for d in days:
        if d.views is None or d.views_with_valid_complaint is None:
            continue  # an agreement without the counts adds nothing up
        total = sums.setdefault((d.organisation, d.brand), [0, 0, 0])
        total[0] += d.views
        total[1] += d.views_with_valid_complaint
        total[2] += d.views_with_pending_complaint or 0
    return [
        PageViewDay(
            organisation=org,
            date=last,
            brand=brand,
            views=v,
            views_with_valid_complaint=u,
            views_with_pending_complaint=p,
            share_no_valid_complaint=round(1 - u / v, 6),
            share_if_pending_upheld=round(1 - (u + p) / v, 6),
        )
        for (org, brand), (v, u, p) in sorted(sums.items(), key=lambda kv: _order(kv[0]))
        if v
    ]


def _order(key: tuple[str, str]) -> tuple[str, bool, str]:
    return (key[0], key[1] != ALL_BRANDS, key[1].casefold())
