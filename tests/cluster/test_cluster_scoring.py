"""Bulk scoring on a real standalone cluster: the boosters run in the executors' Python workers
(``mapInPandas``) and give the scores DuckDB gives on the same lake and model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ringfence.score.batch import SCORES_DATASET, score_to_lake
from ringfence.score.pipeline import train
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from tests.cluster.conftest import run_on_cluster
from tests.score.world import make_world, write_world


def _scores(settings: Settings) -> dict[tuple[str, str], float]:
    rows = [r for p in Lake(settings).parts(SCORES_DATASET) for r in pq.read_table(p).to_pylist()]
    return {(r["id"], r["label"]): r["score"] for r in rows}


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("slice_rows", [None, 300])
def test_scores_on_the_cluster_equal_duckdb(
    tmp_path: Path, spark_cluster: str, slice_rows: int | None
) -> None:
    """In one statement (Spark's default) and in date slices with each history stored on the
    executors (``score/staged.py``, ``RINGFENCE_SCORE_SLICE_ROWS``)."""
    duck = Settings(data_dir=tmp_path / "duck")
    write_world(duck, *make_world(rows=800, days=60, seed=9))
    import datetime as dt

    train(duck, dt.date(2024, 2, 10))
    spark_dir = tmp_path / "spark"
    shutil.copytree(duck.data_dir, spark_dir)
    score_to_lake(duck)

    env = {"RINGFENCE_SCORE_SLICE_ROWS": str(slice_rows)} if slice_rows else {}
    done = run_on_cluster(spark_cluster, spark_dir, "score", "--json", **env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert summary["engine"] == "spark" and summary["shipments"] == 800
    expected, got = _scores(duck), _scores(Settings(data_dir=spark_dir))
    assert set(got) == set(expected) and len(got) == 1600
    assert max(abs(got[k] - expected[k]) for k in expected) < 1e-9
    parts = len(Lake(Settings(data_dir=spark_dir)).parts(SCORES_DATASET))
    assert parts >= 3 if slice_rows else parts >= 1
