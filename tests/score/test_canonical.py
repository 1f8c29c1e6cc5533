"""Model inputs rounded to 32 significant bits (``score/canonical.py``): the same training
matrix, and so the same model, from DuckDB and from Spark."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringfence.score.canonical import SIGNIFICANT_BITS, ZERO_BELOW, canonical
from ringfence.score.pipeline import fit_models
from ringfence.score.prior import training_matrix
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine
from tests.score.world import make_world, repeat_amounts, write_world


def _rounded(*values: float) -> list[float]:
    array = np.array(values, dtype=np.float64)
    canonical(array)
    return array.tolist()


def test_last_bit_differences_and_noise_around_zero_round_together() -> None:
    # KCS's log declared values as DuckDB and Spark computed them, and a log ratio of a price
    # to its history's mean (0.0 on one engine, -2.2e-16 on the other).
    a, b = _rounded(9.221008267100698, 9.221008267100697)
    assert a == b and abs(a - 9.221008267100698) < 1e-9
    zeros = np.array(_rounded(0.0, -2.220446049250313e-16, 3e-16))
    assert not zeros.any() and not np.signbit(zeros).any()  # +0.0 on both sides, bit for bit


def test_whole_numbers_nan_and_infinities_are_kept() -> None:
    kept = [0.0, 1.0, -7.0, 12_345_678.0, 2.0**32 - 1, 0.5, 2.0**1000, 2.0**-39]
    assert _rounded(*kept) == kept
    nan, pos, neg = _rounded(float("nan"), float("inf"), float("-inf"))
    assert np.isnan(nan) and pos == float("inf") and neg == float("-inf")


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_rounding_is_close_and_idempotent(value: float) -> None:
    (once,) = _rounded(value)
    if abs(value) < ZERO_BELOW:
        assert once == 0.0
    else:
        assert abs(once - value) <= abs(value) * 2.0 ** -(SIGNIFICANT_BITS + 1)
    assert _rounded(once) == [once]


def test_a_row_major_matrix_larger_than_a_block_is_rounded_whole() -> None:
    x = np.random.default_rng(7).lognormal(size=(70_001, 3))  # the online scorer's layout
    expected = [_rounded(*column) for column in x.T]
    canonical(x)
    assert [column.tolist() for column in x.T] == expected


def test_a_strided_or_other_typed_array_is_refused() -> None:
    with pytest.raises(ValueError, match="contiguous float64"):
        canonical(np.zeros((4, 3))[:, 0])
    with pytest.raises(ValueError, match="contiguous float64"):
        canonical(np.zeros(3, dtype=np.float32))


UNTIL = dt.date(2024, 2, 10)


def _trained(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    matrix, labels, _ = training_matrix(
        settings, engine, UNTIL + dt.timedelta(days=1), UNTIL, prior_weight=3.0
    )
    return matrix, fit_models(matrix, labels, UNTIL)


@pytest.mark.spark
def test_duckdb_and_spark_train_the_same_model(
    tmp_path_factory: pytest.TempPathFactory, spark_session
) -> None:
    """The matrices equal entry for entry (unrounded, ln and sums differ in the last bits by
    engine) and the boosters equal tree for tree."""
    from ringfence.store.engine.spark_engine import SparkEngine

    settings = Settings(data_dir=tmp_path_factory.mktemp("canonical"))
    shipments, outcomes = make_world(rows=800, days=60, seed=21)
    write_world(settings, repeat_amounts(shipments), outcomes)
    duck = DuckDBEngine(settings)
    try:
        on_duckdb, model_duckdb = _trained(settings, duck)
    finally:
        duck.close()
    spark = SparkEngine(settings.model_copy(update={"engine": "spark"}), session=spark_session)
    try:
        on_spark, model_spark = _trained(settings, spark)
    finally:
        spark.close()
    assert on_spark.names == on_duckdb.names
    assert on_spark.table.column("id").equals(on_duckdb.table.column("id"))
    assert np.array_equal(on_spark.x, on_duckdb.x, equal_nan=True)
    assert set(model_spark.models) == set(model_duckdb.models) == {"fraud", "ipr"}
    for label, model in model_duckdb.models.items():
        assert model.booster.num_trees() > 1
        text = model.booster.model_to_string()
        assert text == model_spark.models[label].booster.model_to_string()
