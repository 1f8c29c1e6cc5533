"""Personalised PageRank as iterated SQL joins, for an engine that spreads the work (Spark).

The same power iteration as ``risk.personalized_pagerank`` (SciPy, one machine), written as
stages run by the engine: the transition ``P = d W D^-1`` is a table of weighted edges, the
rank a table of (node, rank) holding only nodes with mass, and each step one join and one
aggregation, materialized so that the next step starts from it and not from the whole history.
Same values as the SciPy path to 1e-6 (tests/resolve/test_ppr_sql.py).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy import sparse

from ringfence.store.engine import Engine
from ringfence.store.engine.iterate import iterate

# One step: spread each node's rank along its out-edges, then give the seeds the restart mass
# plus whatever was lost at dead ends, so the ranks stay a probability distribution.
STEP_SQL = """
WITH spread AS (
    SELECT e.dst AS node, SUM(e.p * r.rank) AS rank
    FROM {old} AS r JOIN ppr_edges AS e ON e.src = r.node
    GROUP BY e.dst
),
lost AS (SELECT 1.0 - COALESCE(SUM(rank), 0.0) AS mass FROM spread)
SELECT COALESCE(sp.node, s.node) AS node,
       COALESCE(sp.rank, 0.0) + COALESCE(s.weight, 0.0) * lost.mass AS rank
FROM spread AS sp
FULL OUTER JOIN ppr_seeds AS s ON s.node = sp.node
CROSS JOIN lost
"""

RESIDUAL_SQL = """
SELECT COALESCE(SUM(ABS(COALESCE(n.rank, 0.0) - COALESCE(o.rank, 0.0))), 0.0) AS residual
FROM {new} AS n FULL OUTER JOIN {old} AS o ON o.node = n.node
"""
# Two rank tables take turns: step k reads one and writes the other.
RANKS = ("ppr_rank_a", "ppr_rank_b")


def edge_table(adjacency: sparse.csr_matrix, damping: float) -> pa.Table:
    """``src``, ``dst``, ``p``: the transition ``d * w / degree(src)`` of every stored edge."""
    coo = adjacency.tocoo()
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    # W is symmetric: column j's degree is row j's, and P[i, j] = d * W[i, j] / deg(j) is the
    # share of j's rank that flows to i.
    weight = damping * coo.data / degree[coo.col]
    return pa.table(
        {
            "src": pa.array(coo.col, pa.int64()),
            "dst": pa.array(coo.row, pa.int64()),
            "p": pa.array(weight, pa.float64()),
        }
    )


def ppr_on_engine(
    engine: Engine,
    adjacency: sparse.csr_matrix,
    restart: np.ndarray,
    damping: float,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int, float]:
    """Scores for every node, iterations run and the last L1 change, computed by ``engine``."""
    seeds = np.flatnonzero(restart > 0)
    size = adjacency.shape[0]
    total = float(np.asarray(restart, dtype=np.float64)[seeds].sum())
    if total <= 0:
        return np.zeros(size), 0, 0.0
    weights = np.asarray(restart, dtype=np.float64)[seeds] / total
    engine.register_arrow("ppr_edges_in", edge_table(adjacency, damping))
    engine.materialize("ppr_edges", "SELECT src, dst, p FROM ppr_edges_in")
    seed_table = pa.table({"node": seeds.astype(np.int64), "weight": weights})
    engine.register_arrow("ppr_seeds", seed_table)
    engine.materialize(RANKS[0], "SELECT node, weight AS rank FROM ppr_seeds")
    final, iterations, change = iterate(
        engine, RANKS, STEP_SQL, RESIDUAL_SQL, lambda c: _number(c) < tol, max_iter
    )
    residual = _number(change) if iterations else 0.0
    ranks = engine.query(f"SELECT node, rank FROM {final}")
    scores = np.zeros(size)
    scores[ranks.column("node").to_numpy()] = ranks.column("rank").to_numpy()
    return scores, iterations, residual


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
