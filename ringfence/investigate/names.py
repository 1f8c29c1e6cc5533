"""A name search judged on the names the caller may read.

The screening index holds every entity's names from every organisation's records (its
representative name and its aliases). It finds the candidates; each candidate the gate lets
through is then scored again, the same way, against only the names the caller may read: the
gated entity row's name and the names of the entity's party records the gate passes. A name that
only a withheld field or another organisation's hidden record holds finds nothing, so a search
cannot be used to test guesses of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.resolve.screen.clean import clean_query
from ringfence.resolve.screen.index import ScreeningIndex
from ringfence.resolve.screen.scoring import score_candidates
from ringfence.service import sharing
from ringfence.service.context import Caller, Services

MAX_NAME_ROWS = 20_000  # party records looked at for the candidates' readable names


def readable_names(
    services: Services, caller: Caller, policy: sharing.Policy, rows: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """Entity id → the names of it the caller may read (the row's name first)."""
    names = {str(r["entity_id"]): [str(r["name"])] if r.get("name") else [] for r in rows}
    owners = policy.owners("parties")
    if not names or not owners:
        return names
    sql = (
        "SELECT entity_id, mention_id FROM entity_mentions "
        f"WHERE entity_id IN {sharing.sql_list(sorted(names))} "
        f"AND organisation IN {sharing.sql_list(sorted(owners))} LIMIT {MAX_NAME_ROWS}"
    )
    of = {
        str(m["mention_id"]): str(m["entity_id"])
        for m in sharing.query_lake(services, ("entity_mentions",), sql)
    }
    if of:
        where = f"id IN {sharing.sql_list(sorted(of))}"
        for party in sharing.read(services, caller, "parties", where=where, policy=policy):
            if party.get("name") and str(party["id"]) in of:
                names[of[str(party["id"])]].append(str(party["name"]))
    return {e: list(dict.fromkeys(n)) for e, n in names.items()}


def rescore(
    index: ScreeningIndex, name: str, rows: list[dict[str, Any]], names: dict[str, list[str]]
) -> dict[str, tuple[float, list[str]]]:
    """Entity id → (score, reasons) of ``name`` against the readable ``names`` only, with the
    index's weights and the query's rarity (the same scoring as the index's)."""
    ids = [str(r["entity_id"]) for r in rows if names.get(str(r["entity_id"]))]
    if not ids:
        return {}
    by_id = {str(r["entity_id"]): r for r in rows}
    table = pa.table(
        {
            "entity_id": ids,
            "name": [names[e][0] for e in ids],
            "schema": [by_id[e].get("schema") for e in ids],
            "country": [by_id[e].get("country") for e in ids],
        }
    )
    seen = ScreeningIndex(table, index.weights, aliases={e: names[e][1:] for e in ids})
    clean = clean_query({"name": name})
    rarity = index._rarity(clean.get("name_norm", "").split())
    found = score_candidates(seen, clean, np.arange(seen.size), {}, rarity, seen.size)
    return {m.entity_id: (round(float(m.score), 4), list(m.reasons)[:3]) for m in found}
