"""Small models and helpers several views share."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pydantic import BaseModel

from ringfence.errors import UserError

PAGE_SIZE = 50


class CountBy(BaseModel):
    """A count (and optional summed value) for one key: a country, a brand, a reason."""

    key: str
    count: int
    value: float | None = None


class Paging(BaseModel):
    """Which page of how many rows."""

    page: int
    page_size: int
    total: int
    pages: int


def paging(total: int, page: int, page_size: int = PAGE_SIZE) -> Paging:
    """A ``Paging`` for ``total`` rows; ``UserError`` for a page below 1."""
    if page < 1:
        raise UserError(f"page must be 1 or more, not {page}")
    return Paging(page=page, page_size=page_size, total=total, pages=math.ceil(total / page_size))


def page_slice(rows: list[Any], page: int, page_size: int = PAGE_SIZE) -> list[Any]:
    """The rows of page ``page`` (1-based)."""
    start = (page - 1) * page_size
    return rows[start : start + page_size]


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """A lake row with dates as ISO text and other non-JSON values as strings."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime | dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, float) and not math.isfinite(value):
            out[key] = None
        elif isinstance(value, int | float | str | bool | list | dict) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out
