"""Seizures: positive seizure outcomes from the feeds and those recorded in the service.

A brand sees only seizures of its own brands' goods; a carrier only those on its own parcels —
both through standing agreements with row filters, applied by the policy like any other.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import Paging, jsonable
from ringfence.service.views.tablequery import TableQuery, TableState, apply, filter_sort
from ringfence.store.operational.tables import RecordedOutcome

# Kinds of organisation that do not record seizures themselves: they see them only when shared.
SHARED_ONLY_KINDS = frozenset({"brand", "marketplace", "carrier"})

# The keys a seizures table may sort and filter on (its JSON twin and CSV export take the same).
COLUMNS = (
    "date",
    "brand",
    "goods_found",
    "units",
    "value",
    "origin_country",
    "port",
    "tracking_number",
    "organisation",
)


class SeizuresPage(BaseModel):
    """One page of seizures (newest first unless sorted), and the table's state."""

    items: list[dict[str, Any]]
    paging: Paging
    table: TableState
    shared: bool = Field(
        True,
        description="False when no agreement shares seizures with the caller's organisation "
        "(and it records none itself): an empty list then means 'not shared', not 'none'.",
    )


def _synced_keys(services: Services) -> set[tuple[str, str]]:
    """(organisation, source key) of recorded outcomes already copied into the lake."""
    rows = sharing.query_lake(
        services,
        ("outcomes",),
        "SELECT organisation, source_key FROM outcomes WHERE source_key LIKE 'recorded-%'",
    )
    return {(r["organisation"], r["source_key"]) for r in rows}


def recorded_rows(services: Services, outcomes: list[RecordedOutcome]) -> list[dict[str, Any]]:
    """Recorded outcomes as rows shaped like the ``outcomes`` feed (plus shipment owner/origin).

    Outcomes that ``ringfence outcomes sync`` already copied into the lake (source key
    ``recorded-<id>``) are left out: the lake's copy is read with the feed, not counted twice.
    """
    synced = _synced_keys(services) if outcomes else set()
    outcomes = [o for o in outcomes if (o.organisation, f"recorded-{o.id}") not in synced]
    dates = services.store.task_dates(o.task_id for o in outcomes if o.task_id is not None)
    ids = sorted({o.shipment_id for o in outcomes})
    shipments = (
        {
            r["id"]: r
            for r in sharing.query_lake(
                services,
                ("shipments",),
                "SELECT id, organisation, origin_country, port FROM shipments "
                f"WHERE id IN {sharing.sql_list(ids)}",
            )
        }
        if ids
        else {}
    )
    rows = []
    for o in outcomes:
        shipment = shipments.get(o.shipment_id, {})
        details = o.details or {}
        rows.append(
            {
                "id": f"recorded-{o.id}",
                "organisation": o.organisation,
                "shipment_ref": o.shipment_id,
                "label": o.label,
                "positive": o.positive,
                "result": o.result,
                "date": details.get("date")
                or dates.get(o.task_id or -1)
                or o.created_at.date().isoformat(),
                "goods_found": details.get("goods_found"),
                "brand": details.get("brand"),
                "units": details.get("units"),
                "value": details.get("value"),
                "currency": details.get("currency"),
                "shipment_organisation": shipment.get("organisation"),
                "origin_country": shipment.get("origin_country"),
                "port": shipment.get("port"),
                "recorded_by": o.recorded_by,
                "task_id": o.task_id,
            }
        )
    return rows


def all_seizures(services: Services, caller: Caller) -> list[dict[str, Any]]:
    """Every seizure the caller may read (feed and recorded), newest first."""
    policy = sharing.Policy.load(services, caller)
    from_feeds = sharing.read(services, caller, "seizures", policy=policy)
    recorded = [
        o
        for o in services.store.recorded_outcomes()
        if o.positive and o.result == "seized" and o.organisation in policy.owners("seizures")
    ]
    from_service = policy.visible("seizures", recorded_rows(services, recorded))
    rows = [jsonable(r) for r in from_feeds + from_service]
    rows.sort(key=lambda r: (str(r.get("date") or ""), str(r.get("id"))), reverse=True)
    return rows


def with_tracking_numbers(
    services: Services, caller: Caller, rows: list[dict[str, Any]], policy: sharing.Policy
) -> list[dict[str, Any]]:
    """Rows with their shipment's tracking number (else its reference) where the caller may
    read that shipment's field; the internal shipment id is never shown in its place."""
    ids = sorted({str(r["shipment_ref"]) for r in rows if r.get("shipment_ref")})
    if not ids:
        return rows
    shipments = sharing.read(
        services, caller, "shipments", where=f"id IN {sharing.sql_list(ids)}", policy=policy
    )
    numbers = {
        s["id"]: s.get("tracking_number") or s.get("source_key")
        for s in shipments
        if s.get("tracking_number") or s.get("source_key")
    }
    return [
        {**r, "tracking_number": numbers[r["shipment_ref"]]}
        if r.get("shipment_ref") in numbers
        else r
        for r in rows
    ]


def seizure_rows(services: Services, caller: Caller, query: TableQuery) -> list[dict[str, Any]]:
    """Every seizure the caller may read that matches ``query``, in its order (CSV export)."""
    policy = sharing.Policy.load(services, caller)
    rows = with_tracking_numbers(services, caller, all_seizures(services, caller), policy)
    return filter_sort(rows, query, COLUMNS)


def seizures(
    services: Services, caller: Caller, page: int = 1, query: TableQuery | None = None
) -> SeizuresPage:
    """One page of the seizures the caller may read, filtered and sorted by ``query``."""
    query = query or TableQuery(page=page)
    policy = sharing.Policy.load(services, caller)
    rows = with_tracking_numbers(services, caller, all_seizures(services, caller), policy)
    items, pages, state = apply(rows, query, COLUMNS)
    shared = (
        bool(rows)
        or "seizures" in policy.grants
        or caller.organisation_kind not in SHARED_ONLY_KINDS
    )
    return SeizuresPage(items=items, paging=pages, table=state, shared=shared)
