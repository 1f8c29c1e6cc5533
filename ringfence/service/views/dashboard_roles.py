"""The role parts of the dashboard: what a brand, a marketplace and a carrier each look at.

- a brand: seizures of its goods over time, by product, port and origin;
- a marketplace: its sellers (and their listings) whose resolved party also appears in a
  border partner's data (customs declarations, carrier manifests);
- a carrier: inspections and holds on its own parcels.

Every value comes through the policy gate (``sharing.read``); a field the caller is not granted
is reported in ``not_shared`` rather than counted as zero.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel

from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import CountBy

BORDER_KINDS = frozenset({"customs", "carrier"})
HELD_RESULTS = frozenset({"seized", "irregular", "held", "detained"})
RECENT_HELD = 10
_QUANTITY = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*(?:x|×|pcs|units?)?\s+", re.IGNORECASE)
_MARKS = re.compile(r"\s+bearing\s+.*$", re.IGNORECASE)


class SeizureDay(BaseModel):
    """Seizures on one day and their summed value (None when values are not shared)."""

    date: str
    seizures: int
    value: float | None


class BrandView(BaseModel):
    """Seizures of a brand's goods over time, by product, port and origin."""

    by_day: list[SeizureDay]
    by_product: list[CountBy]
    by_port: list[CountBy]
    by_origin: list[CountBy]


class ResultDay(BaseModel):
    """Inspections of a carrier's parcels on one day, and how many were held."""

    date: str
    inspections: int
    held: int


class CarrierView(BaseModel):
    """Inspections and holds on the carrier's own parcels."""

    inspections: int
    held: int
    by_day: list[ResultDay]
    by_result: list[CountBy]
    recent_held: list[dict[str, Any]]


class SellerSeen(BaseModel):
    """One of the marketplace's sellers whose party a border partner also knows."""

    entity_id: str
    name: str | None
    seller_keys: list[str]
    seen_by: list[str]
    listings: int
    active_listings: int
    watchlisted: bool | None
    network_risk: float | None


class MarketplaceView(BaseModel):
    """The marketplace's sellers and listings seen at the border."""

    sellers: int
    sellers_seen: int
    listings: int
    listings_seen: int
    border_partners: list[str]
    rows: list[SellerSeen]


def product_of(goods: Any) -> str:
    """The kind of goods a seizure names: "18 x handbag bearing X marks" → "handbag"."""
    text = _MARKS.sub("", _QUANTITY.sub("", str(goods or "").strip()))
    return text.strip() or "unknown"


def _count(rows: list[dict[str, Any]], key: Any) -> list[CountBy]:
    counts: Counter[str] = Counter()
    values: dict[str, float] = defaultdict(float)
    for row in rows:
        name = key(row)
        counts[name] += 1
        values[name] += float(row.get("value") or 0.0)
    shared = any("value" in r for r in rows)
    return [
        CountBy(key=k, count=c, value=round(values[k], 2) if shared else None)
        for k, c in counts.most_common()
    ]


def brand_view(seized: list[dict[str, Any]]) -> tuple[BrandView, list[str]]:
    """The brand's seizure breakdowns and the fields its agreements do not share."""
    not_shared = [f for f in ("port", "origin_country", "value") if not any(f in r for r in seized)]
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in seized:
        days[str(row.get("date") or "")[:10]].append(row)
    by_day = [
        SeizureDay(
            date=day,
            seizures=len(rows),
            value=round(sum(float(r.get("value") or 0) for r in rows), 2)
            if "value" not in not_shared
            else None,
        )
        for day, rows in sorted(days.items())
        if day
    ]
    view = BrandView(
        by_day=by_day,
        by_product=_count(seized, lambda r: product_of(r.get("goods_found"))),
        by_port=[]
        if "port" in not_shared
        else _count(seized, lambda r: r.get("port") or "unknown"),
        by_origin=[]
        if "origin_country" in not_shared
        else _count(seized, lambda r: r.get("origin_country") or "unknown"),
    )
    return view, ([] if not seized else not_shared)


def carrier_view(services: Services, caller: Caller, outcomes: list[dict[str, Any]]) -> CarrierView:
    """Inspections (outcomes of any partner) of the carrier's own parcels, and the holds."""
    own = [o for o in outcomes if o.get("shipment_organisation") == caller.organisation]
    by_shipment: dict[str, dict[str, Any]] = {}
    for o in sorted(own, key=lambda o: str(o.get("date") or "")):
        ref = str(o.get("shipment_ref"))
        held = str(o.get("result") or "") in HELD_RESULTS or bool(o.get("positive"))
        seen = by_shipment.setdefault(ref, {**o, "held": False})
        seen["held"] = seen["held"] or held
        if held:
            seen.update(date=o.get("date"), result=o.get("result"))
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in by_shipment.values():
        days[str(row.get("date") or "")[:10]].append(row)
    held_rows = [r for r in by_shipment.values() if r["held"]]
    held_rows.sort(key=lambda r: str(r.get("date") or ""), reverse=True)
    return CarrierView(
        inspections=len(by_shipment),
        held=len(held_rows),
        by_day=[
            ResultDay(date=d, inspections=len(rs), held=sum(1 for r in rs if r["held"]))
            for d, rs in sorted(days.items())
            if d
        ],
        by_result=_count(list(by_shipment.values()), lambda r: str(r.get("result") or "unknown")),
        recent_held=_tracking(services, caller, held_rows[:RECENT_HELD]),
    )


def _tracking(
    services: Services, caller: Caller, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Held parcels with their tracking number (the carrier's own shipments, through the gate)."""
    ids = sorted({str(r.get("shipment_ref")) for r in rows})
    found = (
        sharing.read(services, caller, "shipments", where=f"id IN {sharing.sql_list(ids)}")
        if ids
        else []
    )
    numbers = {s["id"]: s.get("tracking_number") or s.get("source_key") for s in found}
    return [
        {
            "date": str(r.get("date") or "")[:10],
            "shipment_ref": r.get("shipment_ref"),
            "tracking_number": numbers.get(str(r.get("shipment_ref"))),
            "result": r.get("result"),
            "organisation": r.get("organisation"),
        }
        for r in rows
    ]
