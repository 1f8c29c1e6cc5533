"""``target`` and ``backtest`` take from the engine only the rows they use (``target/rows.py``):
the labelled shipments' features, the day's scores (computed through ``map_to_parquet``) and the
picked shipments' features, and give the figures of the whole feature matrix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ringfence.score import history
from ringfence.score.pipeline import fit_models, load_matrix, train
from ringfence.score.prior import GRID
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.target import backtest as backtest_module
from ringfence.target.daily import plan_inspections
from tests.score.world import make_world, write_world

UNTIL, TEST_FROM, DAY = dt.date(2024, 2, 10), dt.date(2024, 2, 11), dt.date(2024, 2, 20)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, int, int]:
    """900 shipments, a third of them inspected (the others have no outcome)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("rows"))
    shipments, outcomes = make_world(rows=900, days=60, seed=5)
    inspected = pa.array(shipments.column("id").to_pylist()[::3])
    outcomes = outcomes.filter(pc.is_in(outcomes.column("shipment_ref"), inspected))
    write_world(settings, shipments, outcomes)
    train(settings, UNTIL)
    return settings, shipments.num_rows, len(inspected)


@pytest.fixture
def feature_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the feature tables the engine hands this process (``Engine.query`` results)."""
    sizes: list[int] = []
    query = Engine.query

    def spy(self: Engine, sql: str) -> pa.Table:
        table = query(self, sql)
        if "log_unit_value" in table.column_names:
            sizes.append(table.num_rows)
        return table

    monkeypatch.setattr(Engine, "query", spy)
    return sizes


def _whole_matrix_report(settings: Settings) -> dict:
    """The backtest as it was computed before: from every shipment's feature row."""
    engine = open_engine(settings)
    try:
        matrix, labels, _ = load_matrix(settings, engine, UNTIL + dt.timedelta(days=1), oof=True)
    finally:
        engine.close()
    model = fit_models(matrix, labels, UNTIL)
    test = backtest_module._test_rows(matrix, TEST_FROM, None)
    return backtest_module._evaluate(matrix, test, labels, model, [1.0, 5.0]).report


def test_backtest_reads_only_labelled_rows_and_keeps_the_figures(world, feature_rows) -> None:
    settings, shipments, inspected = world
    result = backtest_module.backtest(
        settings, UNTIL, TEST_FROM, budgets=[1.0, 5.0], prior_weight=history.PRIOR_WEIGHT
    )
    assert feature_rows == [inspected] and inspected < shipments
    feature_rows.clear()
    report = dict(result.report)
    assert report.pop("profile_prior") == {"chosen": history.PRIOR_WEIGHT, "learnt": False}
    assert report == _whole_matrix_report(settings)
    assert feature_rows == [shipments]  # the old path: the whole matrix
    feature_rows.clear()
    # Choosing the prior weight reads the labelled rows once for the whole grid
    # (score/reprior.py: every weight's rates from one pass), not once per weight.
    backtest_module.backtest(settings, UNTIL, TEST_FROM, budgets=[1.0, 5.0])
    assert len(GRID) > 1 and feature_rows == [inspected]


def test_target_scores_in_the_engine_and_reads_only_the_picks(
    world, feature_rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = world[0]
    mapped: list[str] = []
    map_to_parquet = Engine.map_to_parquet

    def spy(self: Engine, sql: str, function, schema: pa.Schema, folder: Path) -> list[Path]:
        mapped.append(type(function).__name__)
        return map_to_parquet(self, sql, function, schema, folder)

    monkeypatch.setattr(Engine, "map_to_parquet", spy)
    plan = plan_inspections(settings, DAY, 4, label="fraud", seed=1)
    assert mapped == ["DayScorer"]
    assert feature_rows == [len(plan.tasks)] and 0 < len(plan.tasks) < plan.arrivals
    expected = {r["id"]: r["scores"]["fraud"] for r in score_shipments(settings, explain=False)}
    for task in plan.tasks:
        assert task.probability == pytest.approx(expected[task.shipment_id], abs=1e-9)
        assert task.reasons["fraud"], "each pick keeps its reasons"
