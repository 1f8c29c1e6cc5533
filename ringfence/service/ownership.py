"""Per-field ownership of resolved entities: what each organisation's own records say.

An entity row aggregates the party records of every organisation that mentions it (its name is
the commonest name, its phones all phones ...). When one co-owner shares the entity, it may share
only what its own records hold. So before the policy gate sees an entity row, the row gets its
``_parts``: the same aggregation, computed over each owner's mentions alone — the resolution
step's own SQL, run with one group per (entity, organisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from ringfence.resolve.pipeline import ENTITIES_SQL
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake

_SEPARATOR = "\x1f"  # joins entity id and organisation into one group key (never in either)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def owner_parts(lake: Lake, engine: Engine, entity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Entity id → {organisation → that organisation's own values of the entity's fields}.

    Runs on the caller's ``engine`` (it binds ``entity_mentions`` there to the per-owner view).
    """
    if not entity_ids or not (lake.parts("entity_mentions") and lake.parts("parties")):
        return {}
    engine.register_parquet("rf_all_mentions", lake.parts("entity_mentions"))
    lake.register(engine, "parties")
    wanted = ", ".join(_quote(e) for e in entity_ids)
    mentions: pa.Table = engine.query(
        "SELECT mention_id, entity_id || chr(31) || organisation AS entity_id, organisation, "
        f"feed, source_key, role FROM rf_all_mentions WHERE entity_id IN ({wanted})"
    )
    engine.register_arrow("entity_mentions", mentions)
    parts: dict[str, dict[str, Any]] = {}
    for row in engine.query(ENTITIES_SQL).to_pylist():
        entity_id, organisation = str(row.pop("entity_id")).split(_SEPARATOR, 1)
        parts.setdefault(entity_id, {})[organisation] = row
    return parts


def owner_parts_table(lake: Lake, engine: Engine) -> pa.Table | None:
    """Every entity's per-owner parts at once: ``owner_parts`` as one table, a row per
    (entity, organisation) with the entity in ``rf_entity`` and the organisation in
    ``rf_organisation`` (None when mentions or parties are missing)."""
    if not (lake.parts("entity_mentions") and lake.parts("parties")):
        return None
    engine.register_parquet("rf_all_mentions", lake.parts("entity_mentions"))
    lake.register(engine, "parties")
    mentions: pa.Table = engine.query(
        "SELECT mention_id, entity_id || chr(31) || organisation AS entity_id, organisation, "
        "feed, source_key, role FROM rf_all_mentions"
    )
    engine.register_arrow("entity_mentions", mentions)
    engine.register_arrow("rf_entity_parts", engine.query(ENTITIES_SQL))
    table: pa.Table = engine.query(
        "SELECT * EXCLUDE (entity_id), "
        "split_part(entity_id, chr(31), 1) AS rf_entity, "
        "split_part(entity_id, chr(31), 2) AS rf_organisation FROM rf_entity_parts"
    )
    return table
