"""The newest N rows a caller may read, counted after the policy gate (``newest_passing``).

A list route that reads the newest N stored rows and *then* drops those the gate refuses leaks
and hides: the rows others own push the caller's out of its page, and raising N until one of
its own appears tells how many rows it may not see were written since (red team M4 on code
scans, then through row filters; complaints and listing actions did the same). Every such
route reads through ``newest_passing`` instead: it reads on, four times as many rows a round,
until N pass or the rows run out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

Row = TypeVar("Row")
Shown = TypeVar("Shown")

MOST_ROWS = 10_000_000  # the most rows one list answer reads
GROWTH = 4


def newest_passing(
    read: Callable[[int], Sequence[Row]],
    passing: Callable[[list[Row]], list[Shown]],
    limit: int,
    most: int = MOST_ROWS,
) -> list[Shown]:
    """The first ``limit`` of ``passing(read(n))``: ``read(n)`` answers the newest ``n`` stored
    rows (newest first), ``passing`` keeps, in order, those the caller may read (the gate and
    any filter of the route, as shown). ``n`` starts at ``limit`` and grows until ``limit``
    rows pass, ``read`` answers fewer than asked (none left), or ``most`` rows were read."""
    fetch = max(1, min(limit, most))
    while True:
        rows = list(read(fetch))
        shown = passing(rows)
        if len(shown) >= limit or len(rows) < fetch or fetch >= most:
            return shown[:limit]
        fetch = min(fetch * GROWTH, most)
