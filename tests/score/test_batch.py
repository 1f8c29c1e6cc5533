"""Bulk scoring into the lake (``ringfence score``): the same scores as in-process scoring, on
DuckDB (streamed) and on Spark (the boosters run in ``mapInPandas`` on the executors)."""

from __future__ import annotations

import math

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.score.batch import SCORES_DATASET, score_to_lake
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from tests.score.world import make_world, write_world

SHIPMENTS, OUTCOMES = make_world(rows=900, days=60, seed=5)


@pytest.fixture
def trained(tmp_path, monkeypatch) -> Settings:
    settings = Settings(data_dir=tmp_path)
    write_world(settings, SHIPMENTS, OUTCOMES)
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["train", "--until", "2024-02-10"])
    assert result.exit_code == 0, result.output
    return settings


def _lake_scores(settings: Settings) -> dict[tuple[str, str], float]:
    parts = Lake(settings).parts(SCORES_DATASET)
    rows = [r for p in parts for r in pq.read_table(p).to_pylist()]
    return {(r["id"], r["label"]): r["score"] for r in rows}


def _in_process(settings: Settings) -> dict[tuple[str, str], float]:
    rows = score_shipments(settings, explain=False)
    return {(r["id"], lab): s for r in rows for lab, s in r["scores"].items()}


def _assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    worst = max(abs(got[k] - expected[k]) for k in expected)
    assert worst < 1e-9, f"scores differ by up to {worst}"


def test_bulk_scores_equal_in_process_scores(trained: Settings) -> None:
    summary = score_to_lake(trained)
    expected = _in_process(trained)
    _assert_same(_lake_scores(trained), expected)
    assert summary.shipments == SHIPMENTS.num_rows and summary.labels == ["fraud", "ipr"]


def test_a_date_window_replaces_the_previous_run(trained: Settings) -> None:
    import datetime as dt

    score_to_lake(trained)
    summary = score_to_lake(trained, since=dt.date(2024, 2, 20), until=dt.date(2024, 2, 25))
    got = _lake_scores(trained)
    dates = dict(
        zip(SHIPMENTS.column("id").to_pylist(), SHIPMENTS.column("date").to_pylist(), strict=True)
    )
    window = {i for i, d in dates.items() if dt.date(2024, 2, 20) <= d <= dt.date(2024, 2, 25)}
    assert window and {i for i, _ in got} == window
    assert summary.shipments == len(window)


def test_cli_reports_and_refuses_a_reversed_window(trained: Settings) -> None:
    ok = CliRunner().invoke(app, ["score", "--json"])
    assert ok.exit_code == 0, ok.output
    assert '"shipments": 900' in ok.output
    bad = CliRunner().invoke(app, ["score", "--from", "2024-03-01", "--until", "2024-02-01"])
    assert bad.exit_code == 2 and "before --from" in bad.output and "Traceback" not in bad.output


@pytest.mark.spark
def test_spark_scores_on_the_executors_equal_duckdb(trained: Settings, spark_session) -> None:
    expected = _in_process(trained)
    spark_settings = trained.model_copy(update={"engine": "spark"})
    summary = score_to_lake(spark_settings)
    assert summary.engine == "spark"
    got = _lake_scores(trained)
    _assert_same(got, expected)
    assert not math.isnan(sum(got.values()))


@pytest.mark.parametrize("most_rows", [1, 200])
def test_scores_in_date_slices_equal_one_statement(trained: Settings, most_rows: int) -> None:
    """Past ``score_slice_rows`` the histories are stored once and the shipments scored in date
    slices (staged.py): the same scores, one Parquet part per slice; a window too."""
    import datetime as dt

    sliced = trained.model_copy(update={"score_slice_rows": most_rows})
    summary = score_to_lake(sliced)
    _assert_same(_lake_scores(trained), _in_process(trained))
    days = len(set(SHIPMENTS.column("date").to_pylist()))
    parts = len(Lake(trained).parts(SCORES_DATASET))
    assert summary.shipments == SHIPMENTS.num_rows
    assert parts == days if most_rows == 1 else 900 / 200 <= parts < days
    score_to_lake(sliced, since=dt.date(2024, 2, 20), until=dt.date(2024, 2, 25))
    window = {(i, lab): s for (i, lab), s in _in_process(trained).items()
              if dt.date(2024, 2, 20) <= _DATES[i] <= dt.date(2024, 2, 25)}  # fmt: skip
    _assert_same(_lake_scores(trained), window)


_DATES = dict(
    zip(SHIPMENTS.column("id").to_pylist(), SHIPMENTS.column("date").to_pylist(), strict=True)
)


@pytest.mark.spark
def test_spark_scores_in_date_slices_equal_duckdb(trained: Settings, spark_session) -> None:
    expected = _in_process(trained)
    spark_settings = trained.model_copy(update={"engine": "spark", "score_slice_rows": 300})
    score_to_lake(spark_settings)
    _assert_same(_lake_scores(trained), expected)
    assert len(Lake(trained).parts(SCORES_DATASET)) >= 3
