"""Sort, filter and page a list view's rows, as Datasette does: all state in the query string.

A list view (seizures, watchlist, audit, ...) declares which of its row keys may be sorted and
filtered; :func:`table_query` reads the state from query parameters (``sort=-date``,
``q=text``, ``<column>=text``, ``page=2``), :func:`apply` filters and sorts the rows the caller
may read (filtering runs after the policy cut, so a withheld field matches nothing), and the
view returns the page with a :class:`TableState` echoing the state, so a page, its JSON twin and
its CSV export share one URL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from ringfence.errors import UserError
from ringfence.service.views.common import PAGE_SIZE, Paging, page_slice, paging

MAX_TEXT = 200
MAX_PAGE = 100_000
RESERVED = frozenset({"q", "sort", "page", "format"})


class TableQuery(BaseModel):
    """What the caller asked for: free text, per-column filters, a sort key and a page."""

    q: str | None = None
    sort: str | None = Field(None, description="a column key, '-' first for descending")
    filters: dict[str, str] = Field(default_factory=dict)
    page: int = 1


class TableState(TableQuery):
    """The query as applied, plus what the table offers (echoed in every list model)."""

    columns: list[str] = Field(default_factory=list, description="sortable, filterable keys")
    matched: int = 0
    unfiltered: int = 0

    @property
    def filtered(self) -> bool:
        """Whether any filter or text search narrows the rows."""
        return bool(self.q or self.filters)


def _text(name: str, value: str) -> str | None:
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise UserError(f"{name}: at most {MAX_TEXT} characters, not {len(value)}")
    return value or None


def table_query(params: Mapping[str, str], columns: Sequence[str]) -> TableQuery:
    """The table state in ``params`` (a query string); other parameters are ignored.

    ``UserError`` (HTTP 400) names the parameter for a sort on an unknown column, a page that
    is not a whole number of at least 1, or text over ``MAX_TEXT`` characters.
    """
    sort = _text("sort", params.get("sort", ""))
    if sort is not None and sort.lstrip("-") not in columns:
        raise UserError(f"sort: no column {sort.lstrip('-')!r}; use one of {', '.join(columns)}")
    raw_page = params.get("page", "1").strip() or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_PAGE:
        raise UserError(f"page: a whole number from 1 to {MAX_PAGE}, not {raw_page[:20]!r}")
    filters = {}
    for key in columns:
        if key in params and key not in RESERVED:
            value = _text(key, params[key])
            if value is not None:
                filters[key] = value
    return TableQuery(
        q=_text("q", params.get("q", "")), sort=sort, filters=filters, page=int(raw_page)
    )


def _shown(value: Any) -> str:
    """A cell's text for matching: lists joined, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return " ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k} {_shown(v)}" for k, v in value.items())
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _matches(row: Mapping[str, Any], query: TableQuery, columns: Sequence[str]) -> bool:
    for key, wanted in query.filters.items():
        if wanted.casefold() not in _shown(row.get(key)).casefold():
            return False
    if query.q:
        text = query.q.casefold()
        return any(text in _shown(row.get(key)).casefold() for key in columns)
    return True


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers by value, everything else by its text (case-insensitive); blanks last."""
    if value is None or value == "" or value == []:
        return (2, "")
    if isinstance(value, bool):
        return (0, float(value))
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, _shown(value).casefold())


def filter_sort(
    rows: Iterable[Mapping[str, Any]], query: TableQuery, columns: Sequence[str]
) -> list[Any]:
    """The rows that match ``query``'s filters, in its order (stable: ties keep their order)."""
    kept = [row for row in rows if _matches(row, query, columns)]
    if query.sort:
        key = query.sort.lstrip("-")
        descending = query.sort.startswith("-")
        present = [r for r in kept if _sort_key(r.get(key))[0] < 2]
        blank = [r for r in kept if _sort_key(r.get(key))[0] == 2]
        present.sort(key=lambda r: _sort_key(r.get(key)), reverse=descending)
        kept = present + blank  # blanks last in either direction
    return kept


def apply(
    rows: list[Any],
    query: TableQuery,
    columns: Sequence[str],
    page_size: int = PAGE_SIZE,
) -> tuple[list[Any], Paging, TableState]:
    """One page of ``rows`` filtered and sorted by ``query``, its paging and the table state."""
    kept = filter_sort(rows, query, columns)
    state = TableState(
        **query.model_dump(), columns=list(columns), matched=len(kept), unfiltered=len(rows)
    )
    return (
        page_slice(kept, query.page, page_size),
        paging(len(kept), query.page, page_size),
        state,
    )
