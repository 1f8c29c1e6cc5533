"""The other names of resolved entities, for screening.

An entity's ``name`` is the name its mentions give most often. A watchlist entry written in
another script or in full ("Андрей Жуков") often loses that vote to the shorter spelling of a
few shipping records ("A. Zhkov"), and screening the name exactly as the watchlist gives it then
missed its own entity. Every entity is therefore screened under each name its mentions give
(the most common ``MAX_ALIASES`` besides ``name``), and its best name counts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ringfence.settings import Settings
from ringfence.store.lake import Lake

MAX_ALIASES = 10

ALIASES_SQL = """
WITH named AS (
    SELECT em.entity_id, p.name, count(*) AS n
    FROM read_parquet({mentions}, union_by_name = true) AS em
    JOIN read_parquet({parties}, union_by_name = true) AS p ON p.id = em.mention_id
    WHERE p.name IS NOT NULL
    GROUP BY em.entity_id, p.name
),
ranked AS (
    SELECT entity_id, name,
           row_number() OVER (PARTITION BY entity_id ORDER BY n DESC, name) AS rank
    FROM named
)
SELECT entity_id, list(name ORDER BY rank) AS names
FROM ranked WHERE rank <= {limit} GROUP BY entity_id HAVING count(*) > 1
"""


def _files(parts: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts) + "]"


def entity_aliases(settings: Settings) -> dict[str, list[str]]:
    """Entity id → the names its mentions give, most common first (entities with one name are
    left out); empty before any resolution."""
    lake = Lake(settings)
    mentions, parties = lake.parts("entity_mentions"), lake.parts("parties")
    if not mentions or not parties:
        return {}
    sql = ALIASES_SQL.format(
        mentions=_files(mentions), parties=_files(parties), limit=MAX_ALIASES + 1
    )
    with duckdb.connect() as con:
        rows = con.sql(sql).fetchall()
    return {entity_id: list(names) for entity_id, names in rows}
