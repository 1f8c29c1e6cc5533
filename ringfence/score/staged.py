"""The feature query in stages, for more shipments than one statement's joins hold in memory.

As one statement the query joins every history key's table (a row per key and day) to every
shipment at once: at 10M shipments those tables outgrew DuckDB's 2 GB (docs/scale.md,
2026-12-06). In stages, each CTE that the engine would keep (``cte_hints.MATERIALIZED_CTES``) or
that the final select joins is computed once and stored (``Engine.store``: Parquet in the data
directory on DuckDB, kept on the executors on Spark), in the query's own order; then the final
select runs over consecutive date slices of the shipments, each slice's joins holding only the
history rows its shipments meet (``features._kept``). The same CTEs and the same select, so the
same features as the one statement (``tests/score/test_staged.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from ringfence.score.cte_hints import MATERIALIZED_CTES, hint_ctes, split_ctes
from ringfence.score.features import KEPT
from ringfence.store.engine import Engine
from ringfence.store.engine.base import BatchFunction

_WORD = re.compile(r"\w+")


def _reads(sql: str, names: dict[str, str]) -> set[str]:
    return {word for word in _WORD.findall(sql) if word in names}


def _statement(ctes: dict[str, str], stored: set[str], select: str) -> str:
    """``select`` with the CTEs it needs, directly or through each other, that are not stored."""
    needed: set[str] = set()
    todo = _reads(select, ctes) - stored
    while todo:
        name = todo.pop()
        needed.add(name)
        todo |= _reads(ctes[name].split(" AS (", 1)[1], ctes) - stored - needed
    if not needed:
        return select
    body = ",\n".join(sql for name, sql in ctes.items() if name in needed)
    return hint_ctes("WITH " + body) + "\n" + select


def store_stages(engine: Engine, ctes: dict[str, str], select: str, folder: Path) -> set[str]:
    """Store, in order, each CTE the engine would keep or ``select`` reads (but ``KEPT``, the
    rows a slice returns); returns their names."""
    wanted = (set(MATERIALIZED_CTES) | _reads(select, ctes)) - {KEPT}
    stored: set[str] = set()
    for name in ctes:
        if name in wanted:
            engine.store(name, _statement(ctes, stored, f"SELECT * FROM {name}"), folder)
            stored.add(name)
    return stored


def day_slices(engine: Engine, most_rows: int, window: str) -> list[tuple[int, int]]:
    """Consecutive day ranges of the stored ``base`` rows matching ``window`` (an SQL condition
    on ``b``), each of at most ``most_rows`` rows unless one day alone has more."""
    counts = engine.query(
        f"SELECT b.day, count(*) AS n FROM base b WHERE {window} GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    slices: list[list[int]] = []  # [first day, last day, rows]
    for row in counts:
        if slices and slices[-1][2] + row["n"] <= most_rows:
            slices[-1][1:] = [row["day"], slices[-1][2] + row["n"]]
        else:
            slices.append([row["day"], row["day"], row["n"]])
    return [(first, last) for first, last, _ in slices]


def map_in_slices(
    engine: Engine,
    parts: tuple[list[str], str],
    function: BatchFunction,
    schema: pa.Schema,
    folder: Path,
    most_rows: int,
    window: str = "TRUE",
) -> Iterator[Path]:
    """``Engine.map_to_parquet`` of the feature query (``features.feature_parts`` built with a
    ``rows`` condition) over date slices of at most ``most_rows`` shipments matching
    ``window``; yields the Parquet parts written in ``folder``."""
    ctes, select = split_ctes(parts[0]), parts[1]
    stored = store_stages(engine, ctes, select, folder / "stages")
    for i, (first, last) in enumerate(day_slices(engine, most_rows, window)):
        ctes[KEPT] = (
            f"{KEPT} AS (SELECT * FROM base b WHERE b.day BETWEEN {first} AND {last}"
            f" AND {window})"
        )
        sql = _statement(ctes, stored, select)
        yield from engine.map_to_parquet(sql, function, schema, folder / f"slice-{i:04d}")
