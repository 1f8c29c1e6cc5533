"""The shared watchlist: confirmed counterfeiters, with the fields each reader is granted.

Entries that resolution found to be one party (several partners listing the same
counterfeiter) are shown as one row per resolved entity, with every listing source; the entity
is named only when the caller may read it (the policy gate on ``entities``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel

from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import Paging, jsonable
from ringfence.service.views.tablequery import TableQuery, TableState, apply, filter_sort

# The keys of a grouped row a watchlist table may sort and filter on.
COLUMNS = (
    "name",
    "country",
    "brand",
    "organisation",
    "confirmed_at",
    "notes",
    "identifier",
    "phone",
    "email",
    "website",
    "confirmed_by",
)
LISTED_FIELDS = COLUMNS[2:4] + COLUMNS[5:]  # kept per listing, shown as distinct lists


class WatchlistPage(BaseModel):
    """One page of watchlist rows: one per resolved entity (``entries`` are the listings behind
    it, each cut to the fields the caller may read), and the table's state."""

    q: str | None
    items: list[dict[str, Any]]
    paging: Paging
    table: TableState


def _entity_ids(services: Services, caller: Caller, policy: sharing.Policy) -> dict[str, str]:
    """Watchlist entry id → the resolved entity of that listing (each entry is also a party
    mention keyed ``watchlist:<source key>``), for entities the caller may read."""
    rows = sharing.query_lake(
        services,
        ("watchlist", "parties", "entity_mentions"),
        "SELECT w.id, m.entity_id FROM watchlist w "
        "JOIN parties p ON p.organisation = w.organisation "
        "AND p.source_key = 'watchlist:' || w.source_key AND p.role = 'watchlist' "
        "JOIN entity_mentions m ON m.mention_id = p.id",
    )
    ids = sorted({r["entity_id"] for r in rows})
    readable = (
        {
            r["entity_id"]
            for r in sharing.read(
                services,
                caller,
                "entities",
                where=f"entity_id IN {sharing.sql_list(ids)}",
                policy=policy,
            )
        }
        if ids
        else set()
    )
    return {r["id"]: r["entity_id"] for r in rows if r["entity_id"] in readable}


def _distinct(entries: list[dict[str, Any]], key: str) -> list[Any]:
    return sorted({str(e[key]) for e in entries if e.get(key) not in (None, "")})


def group_entries(entries: list[dict[str, Any]], entity_of: dict[str, str]) -> list[dict]:
    """One row per resolved entity (an unresolved entry stands alone), newest confirmation first.

    A row carries the commonest name, the listing fields as sorted distinct lists, the latest
    confirmation and the entries themselves; a field no entry carries is left out, as the
    policy left it out of the entries.
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        entity = entity_of.get(str(entry["id"]))
        groups.setdefault(entity or str(entry["id"]), []).append(entry)
    rows = []
    for key, members in groups.items():
        names = Counter(str(e["name"]) for e in members if e.get("name"))
        row: dict[str, Any] = {"id": key, "entity_id": key if key.startswith("en-") else None}
        row["name"] = names.most_common(1)[0][0] if names else None
        row["country"] = next((e["country"] for e in members if e.get("country")), None)
        for field in LISTED_FIELDS:
            if any(field in e for e in members):
                row[field] = _distinct(members, field)
        dates = [str(e["confirmed_at"]) for e in members if e.get("confirmed_at")]
        row["confirmed_at"] = max(dates) if dates else None
        row["entries"] = members
        rows.append(row)
    rows.sort(key=lambda r: str(r.get("confirmed_at") or ""), reverse=True)
    return rows


def _grouped(services: Services, caller: Caller) -> list[dict[str, Any]]:
    policy = sharing.Policy.load(services, caller)
    entries = sharing.read(
        services, caller, "watchlist", order_by="confirmed_at DESC NULLS LAST, id", policy=policy
    )
    return group_entries([jsonable(e) for e in entries], _entity_ids(services, caller, policy))


def watchlist_rows(services: Services, caller: Caller, query: TableQuery) -> list[dict[str, Any]]:
    """Every grouped watchlist row the caller may read that matches ``query``, in its order."""
    return filter_sort(_grouped(services, caller), query, COLUMNS)


def watchlist(
    services: Services,
    caller: Caller,
    q: str | None = None,
    page: int = 1,
    query: TableQuery | None = None,
) -> WatchlistPage:
    """Watchlist rows the caller may read, newest confirmation first; ``q`` searches every
    column; ``query`` also sorts and filters per column."""
    query = query or TableQuery(q=q, page=page)
    items, pages, state = apply(_grouped(services, caller), query, COLUMNS)
    return WatchlistPage(q=query.q, items=items, paging=pages, table=state)
