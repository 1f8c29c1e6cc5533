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
