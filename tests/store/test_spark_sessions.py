"""Two Spark engines open at once in one process keep their own table names (scoring opens
one for the network while its caller's engine binds the same names)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from ringfence.settings import Settings
from ringfence.store.engine.spark_engine import SparkEngine


@pytest.mark.spark
def test_engines_sharing_a_context_do_not_drop_each_others_tables(
    settings: Settings, spark_session: Any
) -> None:
    spark_settings = settings.model_copy(update={"engine": "spark"})
    outer = SparkEngine(spark_settings)  # no session given: it takes the running context's
    outer.register_arrow("shipments", pa.table({"id": ["outer"]}))
    inner = SparkEngine(spark_settings)
    inner.register_arrow("shipments", pa.table({"id": ["inner-1", "inner-2"]}))
    assert inner.scalar("SELECT count(*) FROM shipments") == 2
    inner.close()
    assert outer.scalar("SELECT min(id) FROM shipments") == "outer"
    outer.close()
    assert spark_session.sparkContext._jsc is not None  # the shared context still runs
    assert spark_session.range(3).count() == 3


@pytest.mark.spark
def test_the_running_session_has_the_small_pages(spark_session: Any) -> None:
    """The setting reaches the JVM (``spark_config.BASE_CONFIG``: broadcast tables' pages)."""
    assert spark_session.sparkContext.getConf().get("spark.buffer.pageSize") == "4m"


@pytest.mark.spark
def test_a_failure_names_the_running_sessions_memory_not_the_settings_default(
    settings: Settings, spark_session: Any
) -> None:
    """An engine handed a session started with 4g (the tests') reports 4g, not the driver
    memory its own settings would give (half this machine: CI printed "now 11g")."""
    engine = SparkEngine(settings.model_copy(update={"engine": "spark"}), session=spark_session)
    oom = RuntimeError(
        "Job aborted: Lost task 0.0 (localhost executor driver): "
        "java.lang.OutOfMemoryError: Java heap space"
    )
    try:
        line = engine.describe_failure(oom)
    finally:
        engine.close()
    assert "RINGFENCE_SPARK_DRIVER_MEMORY (now 4g)" in line, line
