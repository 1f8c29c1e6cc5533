"""The shared watchlist: confirmed counterfeiters, with the fields each reader is granted."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ringfence.service import sharing
from ringfence.service.context import Caller, Services
from ringfence.service.views.common import Paging, jsonable, page_slice, paging


class WatchlistPage(BaseModel):
    """One page of watchlist entries (each cut to the fields the caller may read)."""

    q: str | None
    items: list[dict[str, Any]]
    paging: Paging


def watchlist(
    services: Services, caller: Caller, q: str | None = None, page: int = 1
) -> WatchlistPage:
    """Watchlist entries the caller may read, newest confirmation first; ``q`` searches names."""
    where = None
    if q:
        where = f"lower(name) LIKE {sharing.sql_text('%' + q.lower() + '%')}"
    rows = sharing.read(
        services, caller, "watchlist", where=where, order_by="confirmed_at DESC NULLS LAST, id"
    )
    return WatchlistPage(
        q=q,
        items=[jsonable(r) for r in page_slice(rows, page)],
        paging=paging(len(rows), page),
    )
