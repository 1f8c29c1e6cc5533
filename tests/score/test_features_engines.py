"""One code path for both engines: the feature SQL gives the same features on DuckDB and Spark."""

from __future__ import annotations

import math

import pytest

from ringfence.score.features import compute_features
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine
from tests.score.world import make_world, write_world

SHIPMENTS, OUTCOMES = make_world(rows=300, days=20, seed=11)


def _features(settings: Settings, engine: Engine) -> dict[str, dict[str, object]]:
    register_inputs(settings, engine)
    table = compute_features(engine, known_labels(engine)).table
    return {row["id"]: row for row in table.to_pylist()}


def _close(a: object, b: object) -> bool:
    if _nan(a) or _nan(b):
        return _nan(a) and _nan(b)
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def _nan(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@pytest.mark.spark
def test_spark_computes_the_same_features_as_duckdb(settings: Settings, spark_session) -> None:
    from ringfence.store.engine.spark_engine import SparkEngine

    write_world(settings, SHIPMENTS, OUTCOMES)
    duck = DuckDBEngine(settings)
    try:
        expected = _features(settings, duck)
    finally:
        duck.close()
    spark = SparkEngine(settings.model_copy(update={"engine": "spark"}), session=spark_session)
    try:
        got = _features(settings, spark)
    finally:
        spark.close()
    assert set(got) == set(expected) and len(got) == SHIPMENTS.num_rows
    columns = set(next(iter(expected.values())))
    assert set(next(iter(got.values()))) == columns
    differing = {
        column
        for shipment, row in expected.items()
        for column in columns
        if not _close(row[column], got[shipment][column])
    }
    assert not differing, f"features differ between DuckDB and Spark: {sorted(differing)}"
