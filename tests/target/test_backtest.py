"""Backtest contract: exact JSON shape, ``--scores-out`` columns, and the service's guards."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.errors import UserError
from ringfence.score.prior import GRID
from ringfence.settings import Settings
from ringfence.target.backtest import backtest
from ringfence.target.ranking import GAMMAS
from tests.score.world import make_world, write_world

BUDGET_KEYS = {"precision", "recall", "revenue", "selected"}


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("world")
    write_world(Settings(data_dir=data), *make_world())
    return data


def _check_label(metrics: dict, budgets: list[str]) -> None:
    assert set(metrics) == {"auc", "average_precision", "budgets"}
    assert list(metrics["budgets"]) == budgets
    for b in metrics["budgets"].values():
        assert set(b) == BUDGET_KEYS
        assert 0 <= b["precision"] <= 1 and 0 <= b["recall"] <= 1 and b["selected"] > 0


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_cli_json_shape_and_scores(world_dir, tmp_path, monkeypatch, ext):
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world_dir))
    out, scores = tmp_path / "report.json", tmp_path / f"scores.{ext}"
    result = CliRunner().invoke(
        app,
        ["backtest", "--train-until", "2024-03-31", "--test-from", "2024-04-01",
         "--budgets", "1,5,10", "--json", str(out), "--scores-out", str(scores)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert set(report) == {"labels", "baselines", "value_aware", "profile_prior"}
    assert report["profile_prior"]["learnt"] and report["profile_prior"]["chosen"] in GRID
    assert set(report["labels"]) == {"fraud", "ipr"}
    assert set(report["baselines"]) == {"random", "rules"}
    assert set(report["value_aware"]["fraud"]) == {f"gamma_{g:g}" for g in GAMMAS}
    for ranked in report["value_aware"]["fraud"].values():
        _check_label(ranked, ["1", "5", "10"])
    for per_label in [report["labels"], *report["baselines"].values()]:
        for metrics in per_label.values():
            _check_label(metrics, ["1", "5", "10"])
    # The world's bad importers cap a perfect model near 0.75; a random ranking is 0.5.
    assert report["labels"]["fraud"]["auc"] > report["baselines"]["random"]["fraud"]["auc"] + 0.1
    table = pacsv.read_csv(scores) if ext == "csv" else pq.read_table(scores)
    assert table.column_names == ["source_key", "label", "score"]
    assert set(table.column("label").to_pylist()) == {"fraud", "ipr"}
    tested = report["labels"]["fraud"]["budgets"]["10"]["selected"]
    assert table.num_rows >= tested


def test_cli_prints_table(world_dir, monkeypatch):
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world_dir))
    result = CliRunner().invoke(
        app, ["backtest", "--train-until", "2024-03-31", "--test-from", "2024-04-01"]
    )
    assert result.exit_code == 0, result.output
    assert "random" in result.output and "rules" in result.output and "%" in result.output
    assert "Profile prior weight" in result.output


def test_guards(world_dir, tmp_path, monkeypatch):
    with pytest.raises(UserError, match="must be after"):
        backtest(Settings(data_dir=world_dir), dt.date(2024, 3, 1), dt.date(2024, 2, 1))
    with pytest.raises(UserError, match="no shipments ingested"):
        backtest(Settings(data_dir=tmp_path), dt.date(2024, 3, 1), dt.date(2024, 3, 2))
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(world_dir))
    result = CliRunner().invoke(
        app, ["backtest", "--train-until", "x", "--test-from", "2024-04-01"]
    )
    assert result.exit_code == 2 and "not a date" in result.output
    result = CliRunner().invoke(
        app,
        ["backtest", "--train-until", "2024-03-31", "--test-from", "2024-04-01",
         "--prior-weight", "0"],
    )  # fmt: skip
    assert result.exit_code == 2 and "--prior-weight" in result.output
