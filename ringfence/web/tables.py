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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ringfence.errors import UserError
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


def query_of(
    request: Request, keys: Sequence[str], aliases: Mapping[str, str] | None = None
) -> TableQuery:
    """The table state in the request's query string, for a page: a shared or mistyped link
    with a bad part (an unknown sort, ``page=abc``, overlong text) still shows the table, with
    that part left out and said so (``request.state.table_notice``; links drawn on the page
    leave it out too). ``aliases`` lets a sort name a column by its header (audit: ``when``).
    The JSON twins read the query strictly (400)."""
    params = dict(request.query_params)
    sort = params.get("sort", "")
    if aliases and sort.lstrip("-") in aliases:
        params["sort"] = ("-" if sort.startswith("-") else "") + aliases[sort.lstrip("-")]
    dropped: list[str] = []
    for _ in range(len(params) + 1):
        try:
            query = table_query(params, keys)
        except UserError as exc:
            name = exc.message.split(":", 1)[0]
            if name not in params:
                raise
            params.pop(name)
            dropped.append(exc.message)
            request.state.dropped_params = [*getattr(request.state, "dropped_params", []), name]
            continue
        if dropped:
            request.state.table_notice = (
                "Part of this link could not be used and was left out: " + "; ".join(dropped)
            )
        return query
    raise UserError("the table's query could not be read")  # pragma: no cover - bounded loop


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
