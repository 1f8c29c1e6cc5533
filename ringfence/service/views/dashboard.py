"""The dashboard: inspections and hit rate over time, seizures by origin and brand, how well
the model's picks do against exploration picks, and headline counts — all policy-filtered."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from ringfence.errors import UserError
from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import CountBy
from ringfence.service.views.dashboard_market import marketplace_view
from ringfence.service.views.dashboard_roles import (
    BrandView,
    CarrierView,
    MarketplaceView,
    brand_view,
    carrier_view,
)
from ringfence.service.views.pageviews import DATASET as PAGEVIEWS
from ringfence.service.views.pageviews import PageViews, pageviews
from ringfence.service.views.seizures import all_seizures, recorded_rows

# Which dashboard an organisation kind gets; customs and IP-crime units share the queue's one.
DASHBOARD_KINDS = {"brand": "brand", "marketplace": "marketplace", "carrier": "carrier"}


class DayPoint(BaseModel):
    """Inspections (shipments with an outcome) on one day and how many were positive."""

    date: str
    inspections: int
    positives: int
    hit_rate: float | None


class PrecisionRow(BaseModel):
    """Outcomes of the queue's picks, by how they were selected (model or exploration)."""

    selected_by: str
    picked: int
    inspected: int
    positives: int
    precision: float | None


class Headline(BaseModel):
    """The numbers at the top of the dashboard."""

    inspections: int
    positives: int
    hit_rate: float | None
    seizures: int
    seized_value: float | None
    open_tasks: int
    watchlisted: int
    seized_values: dict[str, float] | None = Field(
        default=None,
        description="value seized per currency ('' for seizures without one), largest first; "
        "seized_value adds them up across currencies",
    )


def values_by_currency(seized: list[dict[str, Any]]) -> dict[str, float]:
    """Seized value per currency ('' where a seizure names none), largest first."""
    totals: dict[str, float] = {}
    for row in seized:
        if row.get("value") is not None:
            currency = str(row.get("currency") or "").strip().upper()
            totals[currency] = totals.get(currency, 0.0) + float(row["value"])
    return {k: round(v, 2) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


class Dashboard(BaseModel):
    """Everything the dashboard page draws, for the caller's window of days."""

    organisation: str
    kind: str = Field(description="customs (also IP-crime units), brand, marketplace or carrier")
    not_shared: list[str] = Field(
        default_factory=list,
        description="figures whose data is not shared with you (shown as such, never as 0)",
    )
    days: int
    since: str | None
    until: str | None
    headline: Headline
    daily: list[DayPoint]
    seizures_by_origin: list[CountBy]
    seizures_by_brand: list[CountBy]
    model_precision: list[PrecisionRow]
    exploration_share: float | None
    brand: BrandView | None = None
    carrier: CarrierView | None = None
    marketplace: MarketplaceView | None = None
    pageviews: PageViews | None = Field(
        default=None,
        description="page views with no valid complaint (a marketplace's own, a brand's own "
        "brands through an agreement); absent for organisations the measure is not for",
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _date(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def dashboard(services: Services, caller: Caller, days: int = 30) -> Dashboard:
    """The dashboard over the last ``days`` days of data the caller may read."""
    if not 1 <= days <= 3650:
        raise UserError(f"days must be between 1 and 3650, not {days}")
    policy = sharing.Policy.load(services, caller)
    outcomes = sharing.read(services, caller, "outcomes", policy=policy)
    recorded = services.store.recorded_outcomes()
    outcomes += policy.visible("recorded_outcomes", recorded_rows(services, recorded))
    every_seizure = all_seizures(services, caller)
    dates = [d for d in (_date(o.get("date")) for o in outcomes + every_seizure) if d]
    until = max(dates) if dates else None
    since = (
        (dt.date.fromisoformat(until) - dt.timedelta(days=days - 1)).isoformat() if until else None
    )
    daily = _daily(_within(outcomes, since))
    seized = _within(every_seizure, since)
    inspections = sum(d.inspections for d in daily)
    positives = sum(d.positives for d in daily)
    tasks = services.store.inspection_tasks(caller.organisation)
    watchlisted = len(sharing.read(services, caller, "watchlist", policy=policy))
    kind = DASHBOARD_KINDS.get(caller.organisation_kind, "customs")
    records_own = kind == "customs"  # customs and IP-crime units record seizures themselves
    seizures_shared = records_own or bool(every_seizure) or "seizures" in policy.grants
    value_shared = seizures_shared and _shared(policy, "seizures", "value", every_seizure)
    not_shared = [] if seizures_shared else ["seizures"]
    not_shared += [] if value_shared else ["seized_value"]
    parts: dict[str, Any] = {}
    if kind == "brand":
        parts["brand"], hidden = brand_view(seized)
        not_shared += [f"brand.{field}" for field in hidden if field != "value"]
    elif kind == "carrier":
        parts["carrier"] = carrier_view(services, caller, _within(outcomes, since))
    elif kind == "marketplace":
        parts["marketplace"], hidden = marketplace_view(services, caller)
        not_shared += [f"marketplace.{field}" for field in hidden]
    if kind in ("marketplace", "brand") or PAGEVIEWS in policy.grants:
        parts["pageviews"] = pageviews(services, caller, days)
        granted = kind == "marketplace" or PAGEVIEWS in policy.grants
        not_shared += [] if granted or parts["pageviews"].daily else ["pageviews"]
    return Dashboard(
        organisation=caller.organisation,
        kind=kind,
        not_shared=not_shared,
        days=days,
        since=since,
        until=until,
        headline=Headline(
            inspections=inspections,
            positives=positives,
            hit_rate=_rate(positives, inspections),
            seizures=len(seized),
            seized_value=round(sum(float(s.get("value") or 0.0) for s in seized), 2)
            if value_shared
            else None,
            open_tasks=sum(1 for t in tasks if t.status == "open"),
            watchlisted=watchlisted,
            seized_values=values_by_currency(seized) if value_shared else None,
        ),
        daily=daily,
        seizures_by_origin=_count_by(seized, "origin_country"),
        seizures_by_brand=_count_by(seized, "brand"),
        model_precision=_precision(tasks, recorded, caller.organisation),
        exploration_share=_rate(sum(1 for t in tasks if t.selected_by == "explore"), len(tasks)),
        **parts,
    )


def _shared(policy: sharing.Policy, name: str, field: str, rows: list[dict[str, Any]]) -> bool:
    """Whether the caller may read ``field`` of dataset ``name``: some row carries it, or (no
    rows yet) no agreement on the dataset withholds it."""
    if rows:
        return any(field in row for row in rows)
    grants = policy.grants.get(name, [])
    return not grants or any(g.fields is None or field in g.fields for g in grants)


def _within(rows: list[dict[str, Any]], since: str | None) -> list[dict[str, Any]]:
    """Rows dated on or after ``since`` (none when there is no window: no dated data)."""
    return [r for r in rows if since and (_date(r.get("date")) or "") >= since]


def _daily(outcomes: list[dict[str, Any]]) -> list[DayPoint]:
    """Per day: shipments with an outcome, and those with any positive one."""
    by_day: dict[str, dict[str, bool]] = defaultdict(dict)
    for o in outcomes:
        day, shipment = _date(o.get("date")), o.get("shipment_ref")
        if day and shipment is not None:
            by_day[day][shipment] = by_day[day].get(shipment, False) or bool(o.get("positive"))
    return [
        DayPoint(
            date=day,
            inspections=len(found),
            positives=sum(found.values()),
            hit_rate=_rate(sum(found.values()), len(found)),
        )
        for day, found in sorted(by_day.items())
    ]


def _count_by(rows: list[dict[str, Any]], field: str) -> list[CountBy]:
    counts: Counter[str] = Counter()
    values: dict[str, float] = defaultdict(float)
    for row in rows:
        key = str(row.get(field) or "unknown")
        counts[key] += 1
        values[key] += float(row.get("value") or 0.0)
    return [CountBy(key=k, count=c, value=round(values[k], 2)) for k, c in counts.most_common()]


def _precision(tasks: list[Any], recorded: list[Any], organisation: str) -> list[PrecisionRow]:
    """Hit rate of the organisation's own queue picks, model picks against exploration."""
    found: dict[int, bool] = {}
    for outcome in recorded:
        if outcome.organisation == organisation and outcome.task_id is not None:
            found[outcome.task_id] = found.get(outcome.task_id, False) or outcome.positive
    rows = []
    for kind in ("exploit", "explore"):
        picked = [t for t in tasks if t.selected_by == kind]
        inspected = [t for t in picked if t.id in found]
        positives = sum(1 for t in inspected if found[t.id])
        rows.append(
            PrecisionRow(
                selected_by=kind,
                picked=len(picked),
                inspected=len(inspected),
                positives=positives,
                precision=_rate(positives, len(inspected)),
            )
        )
    return rows
