"""One code path for both engines: the feature SQL gives the same features on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from ringfence.score import features
from ringfence.score.features import compute_features
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine
from tests.score.world import make_world, repeat_amounts, write_world

SHIPMENTS, OUTCOMES = make_world(rows=300, days=20, seed=11)
SHIPMENTS = repeat_amounts(SHIPMENTS)  # amounts repeat: the hs6_value key has a history
# Training features: out-of-fold profiles before this cut-off (profiles.py).
CUTOFF = dt.date(2024, 1, 12)


def _features(
    settings: Settings, engine: Engine, training: bool
) -> dict[str, dict[str, object]]:
    register_inputs(settings, engine)
    labels = known_labels(engine)
    if training:
        table = compute_features(engine, labels, label_cutoff=CUTOFF, oof=True).table
    else:
        table = compute_features(engine, labels).table
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
@pytest.mark.parametrize(
    ("switches", "training"),
    [(False, False), (True, True)],
    ids=["defaults-scoring", "counts-deciles-out-of-fold"],
)
def test_spark_computes_the_same_features_as_duckdb(
    settings: Settings, spark_session, monkeypatch: pytest.MonkeyPatch, switches: bool,
    training: bool,
) -> None:  # fmt: skip
    """Both engines, column by column; the second case with entity counts and top-decile flags
    on (off by default) and training rows' out-of-fold profiles."""
    from ringfence.store.engine.spark_engine import SparkEngine

    monkeypatch.setattr(features, "SHIPMENT_COUNTS", switches)
    monkeypatch.setattr(features, "TOP_DECILES", switches)
    write_world(settings, SHIPMENTS, OUTCOMES)
    duck = DuckDBEngine(settings)
    try:
        expected = _features(settings, duck, training)
    finally:
        duck.close()
    spark = SparkEngine(settings.model_copy(update={"engine": "spark"}), session=spark_session)
    try:
        got = _features(settings, spark, training)
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
    assert any(row["hs6_value_inspections"] for row in expected.values())
    if switches:
        assert {"hs6_past_shipments", "importer_top_decile_fraud"} <= columns
