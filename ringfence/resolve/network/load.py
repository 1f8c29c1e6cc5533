"""Assemble the network from the lake: run the edge SQL, index it, build the CSR graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.errors import UserError
from ringfence.resolve.network import cache, edges
from ringfence.resolve.network.graph import (
    LINKS_SCHEMA,
    Graph,
    build_graph,
    hub_mask,
    hub_weight,
    trade_edges,
)
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.lake import Lake

Progress = Callable[..., Any]


@dataclass
class Network:
    """The graph plus what explains it: entity attributes, mentions and seeds."""

    graph: Graph
    entities: pa.Table  # entity_idx, entity_id, name, organisations, watchlisted, mention_count
    mentions: pa.Table  # mention_id, organisation, source_key, role, name, entity_id, entity_idx
    seed_idx: np.ndarray  # entity indices of the seeds
    seed_weight: np.ndarray  # restart weight of each seed
    seed_reason: list[str]  # why each seed is one
    resolved: bool  # False: no entity resolution yet, one entity per party mention


def load_network(settings: Settings, engine: Engine, progress: Progress | None = None) -> Network:
    """Read the lake through ``engine`` and build the network (raises UserError if empty).

    The network built from the same lake parts before is read back from the data directory
    (``cache.py``) instead of being queried again; the sources and ``network_mentions`` are
    bound in ``engine`` either way, for the caller's own queries.
    """
    report = progress or (lambda *_a, **_k: None)
    lake = Lake(settings)
    if not lake.has("parties"):
        raise UserError("no party mentions in the lake: ingest some feeds first")
    resolved = edges.register_sources(lake, engine)
    root, key = cache.cache_root(settings.data_dir), cache.network_key(lake, edges.SOURCES)
    kept = cache.read_network(root, key)
    if kept is not None:
        engine.register_arrow("network_mentions", kept.mentions)
        report("network: build", 4, 4)
        return kept
    network = _build(engine, resolved, report)
    cache.write_network(root, key, network)
    return network


def _build(engine: Engine, resolved: bool, report: Progress) -> Network:
    """Query the bound sources and assemble the network."""
    report("network: build", 0, 4)
    mentions = engine.query(edges.MENTIONS_SQL)
    engine.register_arrow("network_mentions", mentions)
    entities = engine.query(edges.ENTITY_ATTRIBUTES_SQL)
    report("network: build", 1, 4)
    ident = engine.query(edges.identifier_sql())
    report("network: build", 2, 4)
    trade = engine.query(edges.trade_sql())
    relations = engine.query(edges.RELATIONS_SQL)
    report("network: build", 3, 4)
    graph = assemble(entities.num_rows, ident, trade, relations)
    seeds = engine.query(edges.seeds_sql())
    seed_idx, seed_weight, seed_reason = _collapse_seeds(seeds)
    report("network: build", 4, 4)
    return Network(graph, entities, mentions, seed_idx, seed_weight, seed_reason, resolved)


def assemble(
    n_entities: int, ident: pa.Table, trade: pa.Table, relations: pa.Table | None = None
) -> Graph:
    """Graph from identifier rows (identifier_sql), trade rows (trade_sql) and stated
    relations (RELATIONS_SQL)."""
    e_ident, l_ident, w_ident, ident_links, hubs_dropped = _identifier_part(ident)
    t_entity, t_link, t_weight, t_keep = trade_edges(trade, ident_links.num_rows, n_entities)
    trade_links = _trade_links(trade.filter(pa.array(t_keep)))
    first = ident_links.num_rows + trade_links.num_rows
    r_entity, r_link, r_weight, relation_links = _relation_part(relations, first)
    graph = build_graph(
        n_entities,
        np.concatenate([e_ident, t_entity, r_entity]),
        np.concatenate([l_ident, t_link, r_link]),
        np.concatenate([w_ident, t_weight, r_weight]),
        pa.concat_tables([ident_links, trade_links, relation_links]),
        hubs_dropped,
    )
    graph.trade_links_dropped = int(np.count_nonzero(~t_keep))
    return graph


def _identifier_part(
    ident: pa.Table,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Table, int]:
    """Edges (entity, link, weight) and link rows of shared identifiers, hubs dropped."""
    kind = ident.column("kind").combine_chunks() if ident.num_rows else pa.array([], pa.string())
    degree = _ints(ident, "degree")
    hubs = hub_mask(kind, degree)
    keep = ~hubs
    rank = _ints(ident, "link_rank")
    # Re-number the kept link ranks densely; rows arrive sorted by rank, so first occurrences
    # give each link's metadata row.
    uniq, first, link_idx = np.unique(rank[keep], return_index=True, return_inverse=True)
    kept_rows = np.flatnonzero(keep)[first]
    n = len(uniq)
    links = pa.table(
        {
            "kind": ident.column("kind").take(kept_rows),
            "value": ident.column("value").take(kept_rows),
            "degree": ident.column("degree").cast(pa.int64()).take(kept_rows),
            "src": pa.array(np.full(n, -1, dtype=np.int64)),
            "dst": pa.array(np.full(n, -1, dtype=np.int64)),
            "src_role": pa.nulls(n, pa.string()),
            "dst_role": pa.nulls(n, pa.string()),
            "shipments": pa.array(np.zeros(n, dtype=np.int64)),
        },
        schema=LINKS_SCHEMA,
    )
    weight = hub_weight(kind.filter(pa.array(keep)), degree[keep])
    hubs_dropped = int(np.unique(rank[hubs]).size)
    entity = _ints(ident, "entity_idx")[keep]
    return entity, link_idx.astype(np.int64), weight, links, hubs_dropped


def _relation_part(
    relations: pa.Table | None, first_link: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Table]:
    """Edges (entity, link, weight) and link rows of stated relations: one link node each.

    The link's ``value`` is the relation's kind (ownership, family ...), ``src_role`` the
    source's own words for it; ``shipments`` counts the statements.
    """
    n = 0 if relations is None else relations.num_rows
    if relations is None or n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), LINKS_SCHEMA.empty_table()
    src, dst = _ints(relations, "src"), _ints(relations, "dst")
    link = first_link + np.arange(n, dtype=np.int64)
    weight = np.full(2 * n, edges.LINK_KINDS["relation"][0])
    links = pa.table(
        {
            "kind": pa.array(["relation"] * n, pa.string()),
            "value": relations.column("kind").cast(pa.string()),
            "degree": pa.array(np.full(n, 2, dtype=np.int64)),
            "src": pa.array(src),
            "dst": pa.array(dst),
            "src_role": relations.column("role").cast(pa.string()),
            "dst_role": pa.nulls(n, pa.string()),
            "shipments": relations.column("statements").cast(pa.int64()),
        },
        schema=LINKS_SCHEMA,
    )
    return np.concatenate([src, dst]), np.concatenate([link, link]), weight, links


def _trade_links(trade: pa.Table) -> pa.Table:
    """Link rows of the kept trade relationships (LINKS_SCHEMA)."""
    return pa.table(
        {
            "kind": pa.array(["trade"] * trade.num_rows, pa.string()),
            "value": pc.binary_join_element_wise(
                trade.column("src_role"), trade.column("dst_role"), "→"
            ),
            "degree": pa.array(np.full(trade.num_rows, 2, dtype=np.int64)),
            "src": trade.column("src").cast(pa.int64()),
            "dst": trade.column("dst").cast(pa.int64()),
            "src_role": trade.column("src_role"),
            "dst_role": trade.column("dst_role"),
            "shipments": trade.column("shipments").cast(pa.int64()),
        },
        schema=LINKS_SCHEMA,
    )


def _ints(table: pa.Table, column: str) -> np.ndarray:
    if table.num_rows == 0:
        return np.zeros(0, dtype=np.int64)
    return table.column(column).to_numpy().astype(np.int64, copy=False)


def _collapse_seeds(seeds: pa.Table) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One row per seed entity: its highest weight and that row's reason.

    Rows arrive sorted by entity, then weight descending, so the first row of each entity wins.
    """
    idx = _ints(seeds, "entity_idx")
    if idx.size == 0:
        return idx, np.zeros(0), []
    uniq, first = np.unique(idx, return_index=True)
    weight = seeds.column("weight").to_numpy().astype(np.float64)[first]
    reason = seeds.column("reason").take(pa.array(first)).to_pylist()
    return uniq, weight, [str(r) for r in reason]
