"""``resolve --engine spark`` gives the same entities as DuckDB (within tolerance)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ringfence.resolve.compare import compare_pairs
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
    # One way of learning (on the driver, on DuckDB: driver_training.py); only the order the
    # engines hand the mentions over in can move u's random sample, hence not exactly 1.
    assert pairwise_f1(both, "entity_id_spark", "entity_id_duckdb") >= 0.995
    entities = pq.read_table(spark.lake_dir / "entities").to_pandas()
    assert entities["mention_count"].sum() == on_spark.mentions
    assert (spark.data_dir / "models" / "resolution" / "splink_settings.json").is_file()
    # The saved model is DuckDB's SQL: compare-parties --model trained reads it (a Spark
    # model's backquoted SQL failed there with a raw traceback), and scores as DuckDB's does.
    pair = pd.DataFrame([{"left_name": "Anna Kowalska", "left_city": "Gdansk",
                          "right_name": "Anna Kowalsk", "right_city": "Gdansk"}])  # fmt: skip
    scores = [compare_pairs(s, pair, model="trained")["score"][0] for s in (spark, duck)]
    assert 0.0 <= scores[0] <= 1.0 and scores[0] == pytest.approx(scores[1], abs=0.01)
