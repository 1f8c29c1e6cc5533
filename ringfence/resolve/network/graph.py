"""The entity network as a SciPy CSR matrix, and breadth-first search over it.

Node indices: entities are ``0 .. n_entities-1`` (in ``entity_id`` order), link nodes follow
(``n_entities + link index``). The matrix is symmetric; its values are edge weights.
Everything here is vectorised NumPy: no Python loop touches an edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from ringfence.resolve.network.edges import LINK_KINDS

# Links: one row per link node; src/dst are the two entities of a trade link (-1 otherwise).
LINKS_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("value", pa.string()),
        ("degree", pa.int64()),
        ("src", pa.int64()),
        ("dst", pa.int64()),
        ("src_role", pa.string()),
        ("dst_role", pa.string()),
        ("shipments", pa.int64()),
    ]
)


@dataclass
class Graph:
    """A bipartite entity/link graph with the metadata needed to explain its paths."""

    adjacency: sparse.csr_matrix
    n_entities: int
    links: pa.Table  # LINKS_SCHEMA, row i is node n_entities + i
    hubs_dropped: int = 0  # identifier values over their kind's cap
    trade_links_dropped: int = 0  # trade links touching an entity over the trade cap

    @property
    def n_nodes(self) -> int:
        return int(self.adjacency.shape[0])

    @property
    def n_edges(self) -> int:
        """Undirected edges (each stored twice in the symmetric matrix)."""
        return int(self.adjacency.nnz // 2)


def _per_kind(kind: pa.Array, position: int, default: float) -> np.ndarray:
    """One LINK_KINDS entry (0 = weight, 1 = cap) for every row, looping over kinds only."""
    out = np.full(len(kind), default, dtype=np.float64)
    for name, entry in LINK_KINDS.items():
        out[pc.equal(kind, name).to_numpy(zero_copy_only=False)] = entry[position]
    return out


def hub_weight(kind: pa.Array, degree: np.ndarray) -> np.ndarray:
    """Edge weight of an entity–identifier edge: the kind's weight, down-weighted by degree.

    ``w = w_kind * ln 2 / ln(degree)``: 1x for a value two entities share, 1/2 for four,
    1/3 for eight ... A value shared by many says less about any one pair of them.
    """
    w_kind = _per_kind(kind, 0, 0.5)
    return np.asarray(w_kind * np.log(2.0) / np.log(np.maximum(degree, 2)), dtype=np.float64)


def hub_mask(kind: pa.Array, degree: np.ndarray) -> np.ndarray:
    """True for rows whose value is shared by more entities than its kind's cap allows."""
    caps = _per_kind(kind, 1, 30)
    return np.asarray(degree > caps)


def build_graph(
    n_entities: int,
    entity_idx: np.ndarray,
    link_idx: np.ndarray,
    weight: np.ndarray,
    links: pa.Table,
    hubs_dropped: int = 0,
) -> Graph:
    """Symmetric CSR from entity–link edges; duplicate edges add their weights."""
    n = n_entities + links.num_rows
    rows = np.concatenate([entity_idx, link_idx + n_entities]).astype(np.int64, copy=False)
    cols = np.concatenate([link_idx + n_entities, entity_idx]).astype(np.int64, copy=False)
    vals = np.concatenate([weight, weight]).astype(np.float64, copy=False)
    index_type = np.int32 if n < 2**31 - 1 else np.int64
    adjacency = sparse.csr_matrix(
        (vals, (rows.astype(index_type), cols.astype(index_type))), shape=(n, n)
    )
    adjacency.sum_duplicates()
    return Graph(adjacency=adjacency, n_entities=n_entities, links=links, hubs_dropped=hubs_dropped)


def trade_edges(
    trade: pa.Table, first_link: int, n_entities: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entity–link edges of trade links, and the mask of trade links kept.

    An entity with more distinct trade partners than the trade cap (a broker, a courier, a big
    merchant, a fulfilment warehouse) is a hub: its trade links are dropped. Below the cap the
    weight decays with the busier end's partner count, as for identifiers.
    """
    src = trade.column("src").to_numpy(zero_copy_only=False).astype(np.int64)
    dst = trade.column("dst").to_numpy(zero_copy_only=False).astype(np.int64)
    count = trade.column("shipments").to_numpy(zero_copy_only=False).astype(np.float64)
    partners = np.bincount(np.concatenate([src, dst]), minlength=n_entities)
    busiest = np.maximum(partners[src], partners[dst]) if src.size else np.zeros(0, np.int64)
    keep = busiest <= LINK_KINDS["trade"][1]
    src, dst, count, busiest = src[keep], dst[keep], count[keep], busiest[keep]
    link = first_link + np.arange(len(src), dtype=np.int64)
    # More shipments together is a stronger tie, but only logarithmically: a busy trade
    # lane is not proof of a shared identity.
    w = LINK_KINDS["trade"][0] * (1.0 + np.log(np.maximum(count, 1.0)))
    w = w * np.log(2.0) / np.log(np.maximum(busiest, 2))
    return np.concatenate([src, dst]), np.concatenate([link, link]), np.concatenate([w, w]), keep


@dataclass
class Search:
    """Result of a multi-source breadth-first search (arrays over all nodes)."""

    steps: np.ndarray  # graph steps from the nearest source, -1 if unreached
    pred: np.ndarray  # predecessor node on one shortest path, -1 for sources and unreached
    origin: np.ndarray  # the source each node was reached from, -1 if unreached


def bfs(adjacency: sparse.csr_matrix, sources: np.ndarray, max_steps: int | None = None) -> Search:
    """Level-synchronous BFS from several sources at once, vectorised per level.

    Each level takes the frontier's rows of the CSR matrix in one slice; a newly reached node
    keeps the lowest-indexed parent, so results are deterministic.
    """
    n = adjacency.shape[0]
    steps = np.full(n, -1, dtype=np.int64)
    pred = np.full(n, -1, dtype=np.int64)
    origin = np.full(n, -1, dtype=np.int64)
    frontier = np.unique(np.asarray(sources, dtype=np.int64))
    steps[frontier] = 0
    origin[frontier] = frontier
    level = 0
    indptr, indices = adjacency.indptr, adjacency.indices
    while frontier.size and (max_steps is None or level < max_steps):
        starts, ends = indptr[frontier], indptr[frontier + 1]
        counts = ends - starts
        parents = np.repeat(frontier, counts)
        # Gather the frontier's neighbour lists without a Python loop: offsets into indices.
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        children = indices[np.repeat(starts, counts) + offsets].astype(np.int64)
        fresh = steps[children] < 0
        children, first = np.unique(children[fresh], return_index=True)
        parents = parents[fresh][first]
        level += 1
        steps[children] = level
        pred[children] = parents
        origin[children] = origin[parents]
        frontier = children
    return Search(steps=steps, pred=pred, origin=origin)
