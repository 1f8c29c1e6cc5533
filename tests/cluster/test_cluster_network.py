"""Network risk on a real standalone cluster: the network's SQL and the personalised PageRank as
iterated joins (``ppr_sql``, checkpointed in the scratch folder) run on the executors and give
the values SciPy gives on the driver."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from ringfence.resolve.network.load import load_network
from ringfence.resolve.network.risk import normalise, personalized_pagerank
from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.cluster.conftest import python_on_cluster
from tests.resolve.test_resolution import simulate_and_ingest

STEPS = 12  # a fixed number of PageRank steps on both sides (each is a few Spark jobs)

# `ringfence network risk` as the command runs it, but with every graph propagated as joins on
# the cluster (not only those of 2M edges or more) and for STEPS steps.
ON_CLUSTER = f"""
from functools import partial
from ringfence.resolve.network import risk
from ringfence.settings import Settings
risk.propagate = partial(risk.propagate, min_edges=0)
risk.TOLERANCE, risk.MAX_ITERATIONS = 0.0, {STEPS}
summary = risk.compute_network_risk(Settings())
assert summary.iterations == {STEPS}, summary
"""


def _risk(data_dir: Path) -> dict[str, float]:
    table = pq.read_table(data_dir / "lake" / "network_risk", columns=["entity_id", "network_risk"])
    return dict(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))


@pytest.mark.spark
@pytest.mark.slow
def test_network_risk_on_the_cluster_equals_scipy(tmp_path: Path, spark_cluster: str) -> None:
    duck = Settings(data_dir=tmp_path / "duck")
    simulate_and_ingest(duck, seed=5, days=20, scale=0.2)
    resolve_parties(duck)
    spark_dir = tmp_path / "spark"
    shutil.copytree(duck.data_dir, spark_dir)  # no network kept yet: the cluster builds it

    done = python_on_cluster(spark_cluster, spark_dir, ON_CLUSTER)
    assert done.returncode == 0, done.stderr[-2000:]

    engine = open_engine(duck)
    try:
        network = load_network(duck, engine)
    finally:
        engine.close()
    graph = network.graph
    restart = np.zeros(graph.n_nodes)
    restart[network.seed_idx] = network.seed_weight
    ppr = personalized_pagerank(graph.adjacency, restart, tol=0.0, max_iter=STEPS)
    expected = np.round(normalise(ppr.scores[: graph.n_entities], network.seed_idx), 6)
    ids = network.entities.column("entity_id").to_pylist()
    got = _risk(spark_dir)
    assert network.seed_idx.size > 0 and graph.adjacency.nnz > 0
    assert set(got) == set(ids)
    assert max(abs(got[i] - e) for i, e in zip(ids, expected, strict=True)) <= 1e-6
    assert sum(1 for v in got.values() if v > 0) > network.seed_idx.size  # risk spread
