"""``resolve --engine spark`` gives the same entities as DuckDB (within tolerance)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ringfence.resolve.pipeline import resolve_parties
from ringfence.settings import Settings
from tests.resolve.test_resolution import pairwise_f1, simulate_and_ingest

# Smaller than the DuckDB tests' world: Splink on local Spark takes about a minute here.
SPARK_WORLD = {"seed": 5, "days": 2, "scale": 0.2}


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_clusters_as_duckdb(tmp_path: Path, spark_session: Any) -> None:
    from ringfence.store.engine.spark_engine import SparkEngine

    duck = Settings(data_dir=tmp_path / "duck")
    simulate_and_ingest(duck, **SPARK_WORLD)  # type: ignore[arg-type]
    shutil.copytree(duck.lake_dir / "parties", tmp_path / "spark" / "lake" / "parties")
    spark = Settings(data_dir=tmp_path / "spark", engine="spark")

    on_duckdb = resolve_parties(duck)
    engine = SparkEngine(spark, session=spark_session)
    try:
        on_spark = resolve_parties(spark, engine=engine)
    finally:
        engine.close()

    assert on_spark.engine == "spark" and on_spark.mentions == on_duckdb.mentions
    both = pd.merge(
        pq.read_table(duck.lake_dir / "entity_mentions").to_pandas(),
        pq.read_table(spark.lake_dir / "entity_mentions").to_pandas(),
        on="mention_id",
        suffixes=("_duckdb", "_spark"),
    )
    assert len(both) == on_duckdb.mentions
    # Training samples differ between backends, so a few borderline pairs may differ.
    assert pairwise_f1(both, "entity_id_spark", "entity_id_duckdb") >= 0.97
    entities = pq.read_table(spark.lake_dir / "entities").to_pandas()
    assert entities["mention_count"].sum() == on_spark.mentions
    assert (spark.data_dir / "models" / "resolution" / "splink_settings.json").is_file()
