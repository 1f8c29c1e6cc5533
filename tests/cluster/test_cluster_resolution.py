"""Resolution on a real standalone Spark cluster gives what DuckDB gives on the same data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from tests.cluster.conftest import run_on_cluster
from tests.resolve.test_resolution import pairwise_f1, resolved_with_truth, simulate_and_ingest

WORLD = {"seed": 5, "days": 2, "scale": 0.2}


@pytest.mark.spark
@pytest.mark.slow
def test_resolve_on_the_cluster_matches_duckdb(tmp_path: Path, spark_cluster: str) -> None:
    duck = Settings(data_dir=tmp_path / "duck")
    simulate_and_ingest(duck, **WORLD)  # type: ignore[arg-type]
    spark_dir = tmp_path / "spark"
    shutil.copytree(duck.lake_dir / "parties", spark_dir / "lake" / "parties")
    shutil.copytree(duck.data_dir / "demo-world", spark_dir / "demo-world")
    resolve_parties(duck)

    done = run_on_cluster(spark_cluster, spark_dir, "resolve")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr

    on_duck = resolved_with_truth(duck)
    on_spark = resolved_with_truth(Settings(data_dir=spark_dir))
    assert len(on_spark) == len(on_duck) > 0
    f1_duck = pairwise_f1(on_duck, "entity_id", "true_id")
    f1_spark = pairwise_f1(on_spark, "entity_id", "true_id")
    assert abs(f1_spark - f1_duck) <= 0.005, (f1_spark, f1_duck)
    entities = pq.read_table(spark_dir / "lake" / "entities").to_pandas()
    assert entities["mention_count"].sum() == len(on_spark)


@pytest.mark.spark
def test_a_bad_spark_setting_is_one_line_naming_it(tmp_path: Path, spark_cluster: str) -> None:
    done = run_on_cluster(
        spark_cluster, tmp_path, "resolve", RINGFENCE_SPARK_CONF="spark.a=1;executor memory 4g"
    )
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: RINGFENCE_SPARK_CONF: entry 2")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
