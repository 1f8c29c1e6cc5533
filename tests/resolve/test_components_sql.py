"""Connected components as iterated SQL: the same clusters as SciPy, on DuckDB and Spark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ringfence.resolve.components_sql import components_on_engine
from ringfence.resolve.pipeline import connected_components
from ringfence.store.engine import Engine


def same_partition(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Whether two mention_id → cluster_id tables group the mentions the same way."""
    both = left.merge(right, on="mention_id", suffixes=("_l", "_r"))
    if len(both) != len(left) or len(both) != len(right):
        return False
    one_way = both.groupby("cluster_id_l")["cluster_id_r"].nunique().max()
    other_way = both.groupby("cluster_id_r")["cluster_id_l"].nunique().max()
    return bool(one_way == 1 and other_way == 1)


def test_sql_components_match_scipy(engine: Engine) -> None:
    rng = np.random.default_rng(7)
    ids = [f"m{i:04d}" for i in range(400)]
    pairs = rng.integers(0, 400, size=(260, 2))
    chain = [(i, i + 1) for i in range(300, 340)]  # a long chain: pointer jumping shortens it
    links = pd.DataFrame(
        [(ids[a], ids[b]) for a, b in [*pairs.tolist(), *chain]],
        columns=["unique_id_l", "unique_id_r"],
    )
    engine.register_arrow("test_links", pa.Table.from_pandas(links, preserve_index=False))

    on_engine = components_on_engine(
        engine, pa.array(ids), "SELECT unique_id_l, unique_id_r FROM test_links"
    )
    expected = connected_components(pa.array(ids), links)

    assert same_partition(on_engine, expected)
    smallest = on_engine.groupby("cluster_id")["mention_id"].min()
    assert (smallest.index == smallest.values).all()  # each label is its cluster's smallest id
    label = on_engine.set_index("mention_id")["cluster_id"]
    assert label["m0340"] == label["m0300"] <= "m0300"  # the chain's ends, one cluster
