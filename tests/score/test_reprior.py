"""One feature pass for the prior grid (score/reprior.py): each weight's matrix is the query's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pytest

from ringfence.score import features, history, prior, reprior
from ringfence.score import sample as sampling
from ringfence.score.canonical import SIGNIFICANT_BITS
from ringfence.score.labelled import FeatureQuery, matrix_where, prepare
from ringfence.score.pipeline import Matrix
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine
from tests.score.world import make_world, write_world

UNTIL = dt.date(2024, 3, 10)
CUTOFF = UNTIL + dt.timedelta(days=1)
MAX_ROWS = 1000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("reprior"), train_max_rows=MAX_ROWS)
    write_world(settings, *make_world(rows=2000, days=90, seed=5))
    return settings


def _assert_same(expected: Matrix, got: Matrix) -> None:
    """Every column of the table, floats within 1e-12, and of the model inputs within one
    rounding step of ``canonical`` (values 1e-15 apart may round to neighbouring steps)."""
    assert got.names == expected.names and got.prior_weight == expected.prior_weight
    assert got.table.column_names == expected.table.column_names
    assert got.table.schema == expected.table.schema
    step = 2.0**-SIGNIFICANT_BITS
    np.testing.assert_allclose(got.x, expected.x, rtol=step, atol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(got.fired, expected.fired)
    np.testing.assert_allclose(got.rules_score, expected.rules_score, rtol=1e-12, atol=1e-12)
    for name in expected.table.column_names:
        a, b = expected.table.column(name), got.table.column(name)
        if pa.types.is_floating(a.type):
            np.testing.assert_allclose(
                b.to_numpy(), a.to_numpy(), rtol=1e-12, atol=1e-12, equal_nan=True
            )
            assert a.null_count == b.null_count, name
        else:
            assert a.equals(b), name


@contextmanager
def _prepared(
    world: Settings, sampled: bool
) -> Iterator[tuple[Engine, FeatureQuery, sampling.TrainingSample | None]]:
    """An engine over the world, its labelled training query and, if ``sampled``, a sample
    of its rows (``MAX_ROWS``); the engine is closed afterwards."""
    engine = open_engine(world)
    try:
        query = prepare(world, engine, CUTOFF, oof=True)
        sample = sampling.plan_sample(engine, MAX_ROWS, UNTIL) if sampled else None
        assert (sample is not None) == sampled
        yield engine, query, sample
    finally:
        engine.close()


def _compare(engine: Engine, query: FeatureQuery, condition: str) -> None:
    rows = reprior.counted_rows(engine, query, condition)
    assert any(c.startswith(features.HIDDEN) for c in rows.table.column_names)
    for weight in prior.GRID:
        expected = matrix_where(engine, query.with_prior(weight), condition)
        got = reprior.matrix_for(rows, query, weight)
        assert not any(c.startswith(features.HIDDEN) for c in got.table.column_names)
        _assert_same(expected, got)


@pytest.mark.parametrize("sampled", [False, True], ids=["every-labelled-row", "sample"])
def test_each_weight_s_matrix_is_the_query_s_with_that_weight(
    world: Settings, sampled: bool
) -> None:
    with _prepared(world, sampled) as (engine, query, sample):
        _compare(engine, query, sampling.condition_for(sample))


def _per_weight_choice(
    engine: Engine, query: FeatureQuery, sample: sampling.TrainingSample | None
) -> dict[float, float]:
    """The grid's losses as ``choose`` computed them before: one feature query per weight."""
    losses = {}
    for weight in sorted(prior.GRID, key=lambda w: w != history.PRIOR_WEIGHT):
        matrix = matrix_where(engine, query.with_prior(weight), sampling.condition_for(sample))
        matrix.sample = sample
        losses[weight] = prior.matrix_loss(matrix, query.labels, UNTIL)
    return losses


@pytest.mark.parametrize("sampled", [False, True], ids=["every-labelled-row", "sample"])
def test_the_choice_and_the_losses_are_those_of_one_query_per_weight(
    world: Settings, sampled: bool
) -> None:
    with _prepared(world, sampled) as (engine, query, sample):
        before = _per_weight_choice(engine, query, sample)
        matrix, record = prior.choose(engine, query, UNTIL, sample)
    losses = {float(w): v for w, v in record["validation_log_loss_ratio"].items()}
    assert list(losses) == list(before)  # the default weight first, as before
    for weight, loss in before.items():
        assert losses[weight] == pytest.approx(loss, rel=1e-12)
    assert record["chosen"] == matrix.prior_weight == min(before, key=lambda w: before[w])
    assert matrix.sample == sample
    assert set(record) == {
        "chosen", "learnt", "grid", "validation_log_loss_ratio", "seconds", "cpu_seconds",
    }  # fmt: skip


@pytest.mark.spark
def test_spark_gives_the_same_matrices_from_one_pass(
    tmp_path_factory: pytest.TempPathFactory, spark_session
) -> None:
    """On Spark too, each weight's matrix from the one pass is the query's with that weight
    (a small world: Spark's feature query takes a while), and it is DuckDB's."""
    from ringfence.store.engine.spark_engine import SparkEngine

    settings = Settings(data_dir=tmp_path_factory.mktemp("reprior-spark"))
    write_world(settings, *make_world(rows=300, days=20, seed=11))
    cutoff, condition = dt.date(2024, 1, 12), sampling.condition_for(None)
    spark = SparkEngine(settings.model_copy(update={"engine": "spark"}), session=spark_session)
    try:
        query = prepare(settings, spark, cutoff, oof=True)
        _compare(spark, query, condition)
        on_spark = reprior.matrix_for(reprior.counted_rows(spark, query, condition), query, 3.0)
    finally:
        spark.close()
    duck = DuckDBEngine(settings)
    try:
        query = prepare(settings, duck, cutoff, oof=True)
        on_duckdb = reprior.matrix_for(reprior.counted_rows(duck, query, condition), query, 3.0)
    finally:
        duck.close()
    assert on_spark.names == on_duckdb.names
    assert on_spark.table.column("id").equals(on_duckdb.table.column("id"))
    np.testing.assert_allclose(on_spark.x, on_duckdb.x, rtol=1e-9, atol=1e-9, equal_nan=True)
