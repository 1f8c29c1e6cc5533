"""What the training-sample tests share: the shipments a plan's condition draws, on DuckDB and
on Spark (score/sample.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ringfence.score import sample as sampling
from ringfence.score.inputs import register_inputs
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine


def drawn(engine: Engine, plan: sampling.TrainingSample) -> set[str]:
    """The ids of the shipments ``plan``'s condition keeps."""
    sql = f"SELECT id FROM shipments WHERE {plan.condition()}"
    return set(engine.query(sql).column("id").to_pylist())


def assert_spark_draws_alike(
    world: Settings, spark_session: Any, max_rows: int, until: dt.date
) -> sampling.TrainingSample:
    """Spark plans the same sample as DuckDB and its condition keeps the same shipments; the
    plan, for the caller's own checks."""
    from ringfence.store.engine.spark_engine import SparkEngine

    duck = DuckDBEngine(world)
    try:
        register_inputs(world, duck)
        plan = sampling.plan_sample(duck, max_rows, until)
        assert plan is not None
        expected = drawn(duck, plan)
    finally:
        duck.close()
    spark = SparkEngine(world.model_copy(update={"engine": "spark"}), session=spark_session)
    try:
        register_inputs(world, spark)
        assert sampling.plan_sample(spark, max_rows, until) == plan
        assert drawn(spark, plan) == expected
    finally:
        spark.close()
    return plan
