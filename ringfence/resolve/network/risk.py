"""Risk propagation: personalised PageRank from confirmed counterfeiters and seizures.

``compute_network_risk(settings)`` builds the network, runs PPR restarting to the seeds, finds
each entity's nearest seed by BFS and writes the lake dataset ``network_risk``
(entity_id, network_risk, nearest_seed, hops, path).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import sparse

from ringfence.resolve.network.graph import bfs
from ringfence.resolve.network.load import Network, Progress, load_network
from ringfence.resolve.network.paths import build_paths
from ringfence.resolve.network.ppr_sql import ppr_on_engine
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake

DAMPING = 0.85
TOLERANCE = 1e-9  # L1 change of the whole distribution between iterations
MAX_ITERATIONS = 200
# On Spark, graphs with this many stored edges (both directions) propagate as SQL joins.
DISTRIBUTED_MIN_EDGES = 2_000_000
# network_risk spans this many decades of PPR mass below a typical seed's (log scale).
DECADES = 4.0

NETWORK_RISK_SCHEMA = pa.schema(
    [
        ("entity_id", pa.string()),
        ("network_risk", pa.float64()),
        ("nearest_seed", pa.string()),
        ("hops", pa.int64()),
        ("path", pa.string()),
    ]
)


@dataclass
class PageRank:
    """PPR scores over all nodes and how the power iteration went."""

    scores: np.ndarray
    iterations: int
    residual: float


def personalized_pagerank(
    adjacency: sparse.csr_matrix,
    restart: np.ndarray,
    damping: float = DAMPING,
    tol: float = TOLERANCE,
    max_iter: int = MAX_ITERATIONS,
) -> PageRank:
    """Power iteration ``r = (1-d) s + d W D^-1 r`` on a symmetric weighted adjacency ``W``.

    ``restart`` is normalised to sum 1. Mass that reaches a node without edges is returned to
    the seeds, so ``r`` stays a probability vector. Stops when the L1 change is below ``tol``.
    """
    s = np.asarray(restart, dtype=np.float64)
    total = s.sum()
    if total <= 0:
        return PageRank(np.zeros_like(s), 0, 0.0)
    s = s / total
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inv = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    # P = d * W D^-1 once (scale each stored value by its column's 1/degree), so that each
    # iteration is one sparse product and a few in-place vector operations.
    transition = adjacency.copy()
    transition.data *= damping * inv[transition.indices]
    r = s.copy()
    nxt = np.empty_like(r)
    diff = np.empty_like(r)
    residual = 0.0
    for iteration in range(1, max_iter + 1):
        nxt[:] = transition @ r
        nxt += (1.0 - nxt.sum()) * s  # restart plus the mass lost at dead ends
        np.subtract(nxt, r, out=diff)
        residual = float(np.abs(diff, out=diff).sum())
        r, nxt = nxt, r
        if residual < tol:
            return PageRank(r, iteration, residual)
    return PageRank(r, max_iter, residual)


def normalise(ppr: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Map PPR mass to [0, 1] on a log scale anchored at the median seed.

    ``risk = clip(1 + log10(r / r_seed) / 4, 0, 1)`` where ``r_seed`` is the median PPR of the
    seeds: a typical seed scores 1, an entity with a tenth of its mass 0.75, one with 1/10,000
    or less 0, and an entity the seeds cannot reach exactly 0. Monotone, so ranks are PPR's.
    """
    if seeds.size == 0:
        return np.zeros_like(ppr)
    ref = float(np.median(ppr[seeds]))
    if ref <= 0:
        return np.zeros_like(ppr)
    with np.errstate(divide="ignore"):
        scaled = 1.0 + np.log10(ppr / ref) / DECADES
    return np.clip(np.where(ppr > 0, scaled, 0.0), 0.0, 1.0)


@dataclass
class NetworkRiskSummary:
    """What a network risk run did."""

    entities: int
    links: int
    edges: int
    hub_identifiers_dropped: int
    hub_trade_links_dropped: int
    seeds: int
    reached: int
    iterations: int
    resolved: bool
    seconds: float
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def propagate(
    adjacency: sparse.csr_matrix,
    restart: np.ndarray,
    engine: Engine | None,
    min_edges: int = DISTRIBUTED_MIN_EDGES,
) -> PageRank:
    """PPR on this machine (SciPy), or as iterated joins on Spark for a graph of at least
    ``min_edges`` stored edges; a smaller one is faster on the driver than 100 Spark jobs."""
    if engine is None or engine.name != "spark" or adjacency.nnz < min_edges:
        return personalized_pagerank(adjacency, restart)
    scores, iterations, residual = ppr_on_engine(
        engine, adjacency, restart, DAMPING, TOLERANCE, MAX_ITERATIONS
    )
    return PageRank(scores, iterations, residual)


def risk_table(network: Network, engine: Engine | None = None) -> tuple[pa.Table, PageRank]:
    """PPR, normalisation, nearest seed and path for every entity of ``network``."""
    graph = network.graph
    n = graph.n_entities
    restart = np.zeros(graph.n_nodes)
    restart[network.seed_idx] = network.seed_weight
    pr = propagate(graph.adjacency, restart, engine)
    risk = normalise(pr.scores[:n], network.seed_idx)
    search = bfs(graph.adjacency, network.seed_idx)
    steps, origin = search.steps[:n], search.origin[:n]
    reached = steps >= 0
    entity_ids = network.entities.column("entity_id").combine_chunks()
    names = network.entities.column("name").combine_chunks()
    seed_text = np.full(n, None, dtype=object)
    seed_text[network.seed_idx] = network.seed_reason
    paths = build_paths(graph, names, search.steps, search.pred, pa.array(seed_text, pa.string()))
    nearest = entity_ids.take(pa.array(np.where(reached, origin, 0))).to_numpy(zero_copy_only=False)
    table = pa.table(
        {
            "entity_id": entity_ids,
            "network_risk": pa.array(np.round(risk, 6)),
            "nearest_seed": pa.array(np.where(reached, nearest, None), pa.string()),
            "hops": pa.array(np.where(reached, steps // 2, 0), mask=~reached),
            "path": paths,
        },
        schema=NETWORK_RISK_SCHEMA,
    )
    return table, pr


def compute_network_risk(
    settings: Settings, progress: Progress | None = None, engine: Engine | None = None
) -> NetworkRiskSummary:
    """Build the network from the lake, propagate risk and replace dataset ``network_risk``."""
    started = time.perf_counter()
    own = engine is None
    engine = engine or open_engine(settings)
    report = progress or (lambda *_a, **_k: None)
    try:
        network = load_network(settings, engine, report)
        report("network: risk", 0, 1)
        table, pr = risk_table(network, engine)
        replace_dataset(Lake(settings), "network_risk", table)
        report("network: risk", 1, 1)
    finally:
        if own:
            engine.close()
    graph = network.graph
    hops = table.column("hops").to_numpy(zero_copy_only=False)
    return NetworkRiskSummary(
        entities=graph.n_entities,
        links=graph.links.num_rows,
        edges=graph.n_edges,
        hub_identifiers_dropped=graph.hubs_dropped,
        hub_trade_links_dropped=graph.trade_links_dropped,
        seeds=int(network.seed_idx.size),
        reached=int(np.sum(~np.isnan(hops.astype(float)))),
        iterations=pr.iterations,
        resolved=network.resolved,
        seconds=round(time.perf_counter() - started, 2),
        note="; ".join(
            text
            for ok, text in (
                (network.resolved, UNRESOLVED_NOTE),
                (network.seed_idx.size > 0, NO_SEEDS_NOTE),
            )
            if not ok
        ),
    )


UNRESOLVED_NOTE = "no entity resolution yet (run `ringfence resolve`): one entity per party mention"

NO_SEEDS_NOTE = "no seeds (no watchlist entries or seizures): every network_risk is 0"


def replace_dataset(lake: Lake, dataset: str, table: pa.Table) -> None:
    """Publish ``table`` as the dataset's only part (derived data, rebuilt each run)."""
    old = lake.parts(dataset)
    lake.write_table(dataset, table, "network")
    for part in old:
        part.unlink(missing_ok=True)
