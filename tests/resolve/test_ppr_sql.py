"""PPR as iterated SQL joins gives the SciPy power iteration's values, on DuckDB and Spark."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ringfence.resolve.network.ppr_sql import ppr_on_engine
from ringfence.resolve.network.risk import DAMPING, personalized_pagerank
from ringfence.store.engine import Engine


def random_graph(nodes: int, edges: int, seed: int) -> sparse.csr_matrix:
    """A symmetric weighted graph with isolated nodes and dead ends, like a resolved network."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, nodes - 5, edges)  # the last five nodes have no edges
    cols = rng.integers(0, nodes - 5, edges)
    keep = rows != cols
    weights = rng.uniform(0.2, 3.0, keep.sum())
    upper = sparse.coo_matrix((weights, (rows[keep], cols[keep])), shape=(nodes, nodes)).tocsr()
    return (upper + upper.T).tocsr()


def test_sql_ppr_matches_scipy_to_one_in_a_million(engine: Engine) -> None:
    adjacency = random_graph(300, 500, seed=4)
    restart = np.zeros(300)
    restart[[3, 17, 42]] = [1.0, 2.0, 0.5]
    restart[298] = 1.0  # a seed without edges keeps its restart mass
    # The same number of steps on both sides (tol 0: Spark takes a second or two a step here).
    expected = personalized_pagerank(adjacency, restart, tol=0.0, max_iter=15)

    scores, iterations, residual = ppr_on_engine(
        engine, adjacency, restart, DAMPING, tol=0.0, max_iter=15
    )

    assert iterations == expected.iterations == 15
    assert np.max(np.abs(scores - expected.scores)) < 1e-6
    assert abs(residual - expected.residual) < 1e-6
    assert abs(scores.sum() - 1.0) < 1e-9
    assert scores[299] == 0.0 and scores[298] > 0.0  # unreachable, and an isolated seed


def test_sql_ppr_stops_at_the_tolerance_like_scipy(engine: Engine) -> None:
    adjacency = random_graph(60, 120, seed=9)
    restart = np.zeros(60)
    restart[[1, 2]] = 1.0
    expected = personalized_pagerank(adjacency, restart, tol=1e-3)
    scores, iterations, residual = ppr_on_engine(
        engine, adjacency, restart, DAMPING, tol=1e-3, max_iter=200
    )
    assert residual < 1e-3 and abs(iterations - expected.iterations) <= 1
    assert np.max(np.abs(scores - expected.scores)) < 1e-3


def test_no_seeds_give_no_mass(engine: Engine) -> None:
    scores, iterations, _ = ppr_on_engine(
        engine, random_graph(20, 30, seed=1), np.zeros(20), DAMPING, tol=1e-9, max_iter=50
    )
    assert iterations == 0 and not scores.any()
