"""Iterated SQL stages on any engine: two tables take turns, each step materialized.

Step k reads one table and writes the other (``Engine.materialize``: on Spark a local
checkpoint, so step k never recomputes steps 1..k-1), then a change query compares the two and
decides whether to go on. Used by PageRank (``resolve/network/ppr_sql.py``) and connected
components (``resolve/components_sql.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from ringfence.store.engine.base import Engine


def iterate(
    engine: Engine,
    tables: tuple[str, str],
    step_sql: str,
    change_sql: str,
    done: Callable[[object], bool],
    max_steps: int,
) -> tuple[str, int, object]:
    """Run ``step_sql`` (``{old}`` → the other table) until ``done(change)`` or ``max_steps``.

    ``tables[0]`` must hold the start. ``change_sql`` reads ``{old}`` and ``{new}`` and returns
    one value. Returns the table holding the last step, the steps run and the last change.
    """
    current, steps, change = 0, 0, None
    while steps < max_steps:
        steps += 1
        old, new = tables[current], tables[1 - current]
        engine.materialize(new, step_sql.format(old=old))
        change = engine.scalar(change_sql.format(old=old, new=new))
        current = 1 - current
        if done(change):
            break
    return tables[current], steps, change
