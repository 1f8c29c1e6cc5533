"""The one table mechanism of the list pages: sort, filter, pages, CSV export, shareable URL.

A list page declares its columns (key, label, kind); the table's state lives in the query
string (``?sort=-date&brand=north&q=text&page=2``), read by
:func:`ringfence.service.views.tablequery.table_query`, so the same URL serves the page, its
JSON twin under ``/api/v1`` (same parameters) and ``?format=csv`` (every matching row, each cell
neutralised against formula injection). ``templates/partials/table.html`` draws the header links
(``aria-sort``), the filter form, the pager and the export link from the model's
``TableState``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ringfence.service.exports import csv_text
from ringfence.service.views.tablequery import TableQuery, TableState, table_query
from ringfence.web.render import present_columns

Column = tuple[str, str, str]  # key, label, kind (see partials/macros.html)
MAX_EXPORT_ROWS = 100_000


@dataclass(frozen=True)
class TableSpec:
    """What a list page shows: its columns, testid, the name of its export file, and which
    columns sit behind "details" on narrow screens (``secondary``)."""

    name: str
    columns: Sequence[Column]
    secondary: frozenset[str] = frozenset()

    def shown(self, rows: Sequence[dict[str, Any]]) -> list[Column]:
        """Columns at least one row carries (the policy may have withheld the rest)."""
        return present_columns(rows, self.columns)


def wants_csv(request: Request) -> bool:
    """Whether the page was asked for its CSV export (``?format=csv``)."""
    return request.query_params.get("format") == "csv"


def query_of(request: Request, keys: Sequence[str]) -> TableQuery:
    """The table state in the request's query string (400 for a bad sort, page or text)."""
    return table_query(request.query_params, keys)


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value if v is not None)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value


def csv_response(spec: TableSpec, rows: Sequence[dict[str, Any]]) -> Response:
    """Every matching row as a CSV download (columns the rows carry; cells neutralised)."""
    rows = rows[:MAX_EXPORT_ROWS]
    columns = [c for c in spec.shown(rows) if c[2] != "details"]
    body = csv_text(
        [label for _, label, _ in columns],
        ([_cell(row.get(key)) for key, _, _ in columns] for row in rows),
    )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{spec.name}.csv"'},
    )


def sort_link(state: TableState, key: str, with_query: Callable[..., str]) -> tuple[str, str]:
    """The header link of column ``key`` (ascending, then descending) and its ``aria-sort``."""
    if state.sort == key:
        return with_query(sort=f"-{key}", page=None), "ascending"
    if state.sort == f"-{key}":
        return with_query(sort=key, page=None), "descending"
    return with_query(sort=key, page=None), "none"


def export_link(with_query: Callable[..., str]) -> str:
    """The CSV export of the current view (every page, same sort and filters)."""
    return with_query(format="csv", page=None)


def clear_link(state: TableState, path: str) -> str:
    """The table without filters or search (its sort kept)."""
    return f"{path}?sort={state.sort}" if state.sort else path


def _register() -> None:
    """Make the link helpers available to every template (partials/table.html uses them)."""
    from ringfence.web.render import TEMPLATES

    TEMPLATES.env.globals.update(
        table_sort_link=sort_link, table_export_link=export_link, table_clear_link=clear_link
    )


_register()
