"""The k-hop neighbourhood of an entity, party mention, shipment or watchlist entry, with paths."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.errors import NotFoundError, UserError
from ringfence.resolve.network.graph import bfs
from ringfence.resolve.network.load import Network, load_network
from ringfence.resolve.network.paths import build_paths
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake


@dataclass
class Neighbourhood:
    """What ``expand_entity`` found: the start entities and every neighbour within ``hops``."""

    query: str
    matched_as: str  # entity, party mention, shipment or watchlist entry
    start: list[dict[str, Any]]
    neighbours: list[dict[str, Any]]
    hops: int
    resolved: bool
    risk_available: bool
    total_neighbours: int = 0  # all found; ``neighbours`` holds at most ``limit`` of them
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def expand_entity(
    settings: Settings, ident: str, hops: int = 2, engine: Engine | None = None, limit: int = 200
) -> Neighbourhood:
    """Entities within ``hops`` links of ``ident`` (the ``limit`` nearest, riskiest first).

    Raises NotFoundError if no entity, mention, shipment or watchlist entry has that id.
    """
    if hops < 1:
        raise UserError("--hops must be at least 1")
    started = time.perf_counter()
    own = engine is None
    engine = engine or open_engine(settings)
    try:
        network = load_network(settings, engine)
        matched_as, start = find_start(network, engine, ident)
        risk = _risk_lookup(Lake(settings), engine)
    finally:
        if own:
            engine.close()
    rows, total = _neighbourhood_rows(network, start, hops, risk, limit)
    first = [r for r in rows if r["hops"] == 0]
    result = Neighbourhood(
        query=ident,
        matched_as=matched_as,
        start=first,
        neighbours=[r for r in rows if r["hops"] > 0],
        hops=hops,
        resolved=network.resolved,
        risk_available=risk is not None,
        total_neighbours=total,
    )
    result.seconds = round(time.perf_counter() - started, 2)
    if not network.resolved:
        result.notes.append("no entity resolution yet: one entity per party mention")
    if risk is None:
        result.notes.append("no network_risk yet: run `ringfence network risk`")
    return result


def find_start(network: Network, engine: Engine, ident: str) -> tuple[str, np.ndarray]:
    """Entity indices an id names: entity id, party mention id, shipment, watchlist entry."""
    entity_ids = network.entities.column("entity_id").to_numpy(zero_copy_only=False)
    hit = np.flatnonzero(entity_ids == ident)
    if hit.size:
        return "entity", hit
    mentions = network.mentions
    mention_ids = mentions.column("mention_id").to_numpy(zero_copy_only=False)
    idx = mentions.column("entity_idx").to_numpy(zero_copy_only=False)
    hit = np.flatnonzero(mention_ids == ident)
    if hit.size:
        return "party mention", np.unique(idx[hit])
    keys = mentions.column("source_key").to_numpy(zero_copy_only=False)
    roles = mentions.column("role").to_numpy(zero_copy_only=False)
    watch_key = _watchlist_key(engine, ident)
    hit = np.flatnonzero((roles == "watchlist") & (keys == f"watchlist:{watch_key}"))
    if hit.size:
        return "watchlist entry", np.unique(idx[hit])
    refs = _shipment_party_refs(engine, ident)
    hit = np.flatnonzero(np.isin(mention_ids, refs))
    if hit.size:
        return "shipment", np.unique(idx[hit])
    raise NotFoundError(
        f"no entity, party mention, shipment or watchlist entry has the id {ident!r}"
    )


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _watchlist_key(engine: Engine, ident: str) -> str:
    """A watchlist record id maps to its source key; anything else is taken as a source key."""
    found = engine.query(f"SELECT source_key FROM watchlist WHERE id = {_sql_text(ident)} LIMIT 1")
    return str(found.column(0)[0].as_py()) if found.num_rows else ident


def _shipment_party_refs(engine: Engine, ident: str) -> list[str]:
    """Party mention ids on the consignment of a shipment id, source key or tracking number."""
    refs = " UNION ALL ".join(
        f"SELECT {r}_ref AS ref FROM shipments WHERE coalesce(tracking_number, id) IN "
        "(SELECT consignment FROM c)"
        for r in ("seller", "shipper", "courier", "declarant", "importer", "consignee")
    )
    lit = _sql_text(ident)
    sql = (
        "WITH c AS (SELECT DISTINCT coalesce(tracking_number, id) AS consignment FROM shipments "
        f"WHERE id = {lit} OR source_key = {lit} OR tracking_number = {lit}) "
        f"SELECT DISTINCT ref FROM ({refs}) AS r WHERE ref IS NOT NULL"
    )
    return [str(v) for v in engine.query(sql).column(0).to_pylist()]


def _risk_lookup(lake: Lake, engine: Engine) -> dict[str, float] | None:
    if not lake.register(engine, "network_risk"):
        return None
    table = engine.query("SELECT entity_id, network_risk FROM network_risk")
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


def _neighbourhood_rows(
    network: Network, start: np.ndarray, hops: int, risk: dict[str, float] | None, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Dicts for the start entities (hops 0) and the ``limit`` nearest, riskiest neighbours.

    Returns them with the total number of neighbours found; sorting is vectorised, so only
    the rows shown become Python objects.
    """
    graph = network.graph
    n = graph.n_entities
    search = bfs(graph.adjacency, start, max_steps=2 * hops)
    start_text = np.full(n, None, dtype=object)
    start_text[start] = "start"
    ents = network.entities
    names = ents.column("name").combine_chunks()
    paths = build_paths(graph, names, search.steps, search.pred, pa.array(start_text, pa.string()))
    found = np.flatnonzero(search.steps[:n] >= 0)
    entity_ids = ents.column("entity_id").to_numpy(zero_copy_only=False)
    scores = np.array([(risk or {}).get(e) or 0.0 for e in entity_ids[found]])
    order = np.lexsort((entity_ids[found], -scores, search.steps[found]))
    chosen = found[order][: len(start) + limit]
    rows = [
        {
            "entity_id": str(entity_ids[i]),
            "name": names[int(i)].as_py(),
            "organisations": ents.column("organisations")[int(i)].as_py(),
            "watchlisted": ents.column("watchlisted")[int(i)].as_py(),
            "hops": int(search.steps[i] // 2),
            "network_risk": None if risk is None else risk.get(str(entity_ids[i])),
            "path": paths[int(i)].as_py(),
        }
        for i in chosen
    ]
    return rows, int(found.size - len(start))
