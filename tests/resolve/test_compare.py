"""``ringfence compare-parties`` out of the box: no data ingested, no resolve, every FtM schema of a
named party or thing, cross-schema pairs judged sensibly, and a bad row reported by number while
the other rows are still scored."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.resolve.compare import compare_pairs
from ringfence.resolve.names import NAMED_SCHEMAS
from ringfence.settings import Settings

COLUMNS = ["left_name", "right_name", "left_schema", "right_schema", "left_phone",
           "right_phone", "left_country", "right_country"]  # fmt: skip


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory nothing was ever ingested into."""
    data = tmp_path / "fresh-data"
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(data))
    return data


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_scores_name_only_pairs_before_any_resolve(fresh: Path, tmp_path: Path) -> None:
    pairs = _write(
        tmp_path / "pairs.csv",
        [
            ["Владимир Путин", "Vladimir Putin", "Person", "Person", "", "", "", ""],
            ["Acme Trading Co. Ltd", "ACME TRADING LIMITED", "Company", "Company", "", "", "", ""],
            ["John Smith", "Jane Smith", "Person", "Person", "", "", "", ""],
        ],
    )
    code, out, err = _run(["compare-parties", str(pairs)])
    assert code == 0, err
    scored = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert list(scored.columns[-3:]) == ["score", "reasons", "error"]
    assert scored["score"][0] > 0.5 and scored["score"][1] > 0.5
    assert scored["score"][2] < 0.5
    assert scored["reasons"][0].startswith("name")
    assert not (fresh / "lake").exists() or not any((fresh / "lake").iterdir())


@pytest.mark.parametrize("schema", NAMED_SCHEMAS)
def test_every_named_schema_is_accepted(fresh: Path, schema: str) -> None:
    frame = pd.DataFrame(
        {
            "left_name": ["Ever Given Holdings"],
            "right_name": ["EVER GIVEN HOLDINGS"],
            "left_schema": [schema],
            "right_schema": [schema],
        }
    )
    scored = compare_pairs(Settings(), frame, source="pairs.csv")
    assert scored["error"][0] == ""
    assert scored["score"][0] > 0.5


def test_cross_schema_pairs(fresh: Path) -> None:
    frame = pd.DataFrame(
        {
            "left_name": ["Ever Given", "Acme Holdings Ltd", "John Smith", "Li Na"],
            "right_name": ["Ever Given", "Acme Holdings Limited", "John Smith", "Li Na"],
            "left_schema": ["Person", "Company", "Person", "LegalEntity"],
            "right_schema": ["Vessel", "Organization", "Company", "Person"],
        }
    )
    scored = compare_pairs(Settings(), frame)
    person_vessel, company_org, person_company, legal_person = scored["score"]
    assert person_vessel < 0.1 and person_company < 0.1
    assert company_org > 0.5 and legal_person > 0.5
    assert "incompatible" in scored["reasons"][0]


def test_bad_row_mid_file_is_reported_and_the_rest_scored(fresh: Path, tmp_path: Path) -> None:
    rows = [
        ["Zhang Wei", "Wei Zhang", "Person", "Person", "", "", "", ""],
        ["Acme Ltd", "Acme Limited", "Company", "Company", "", "", "", ""],
        ["Jane Doe", "Jane Doe", "Address", "Person", "", "", "", ""],  # row 3: no such party
        ["Li Na", "Li Na", "Person", "Person", "12", "+86 138 0000 0001", "CN", "CN"],
        ["Ivan Petrov", "Ivan Petrenko", "Person", "Person", "", "", "", ""],
    ]
    pairs = _write(tmp_path / "pairs.csv", rows)
    out_file = tmp_path / "scored.csv"
    code, out, err = _run(["compare-parties", str(pairs), "--out", str(out_file)])
    assert code == 2
    assert "row 3" in err and "left_schema" in err and "Address" in err
    assert "Traceback" not in err
    assert "4 pairs" in out and "1 row not scored" in out
    scored = pd.read_csv(out_file, keep_default_na=False)
    assert len(scored) == 5
    assert scored["score"][2] == "" and "row 3" in scored["error"][2]
    numbers = [float(scored["score"][i]) for i in (0, 1, 3, 4)]
    assert numbers[0] > 0.5 and numbers[1] > 0.5 and numbers[2] > 0.5 and numbers[3] < 0.5
    # a phone that is not one is left out (and said so), not a failed row
    assert "left phone not used" in scored["reasons"][3]


def test_trained_model_needs_resolve(fresh: Path, tmp_path: Path) -> None:
    pairs = _write(tmp_path / "pairs.csv", [["A", "A", "Person", "Person", "", "", "", ""]])
    code, _, err = _run(["compare-parties", str(pairs), "--model", "trained"])
    assert code == 3 and "resolve" in err
    code, _, err = _run(["compare-parties", str(pairs), "--model", "best"])
    assert code == 2 and "--model" in err


def test_a_row_with_too_many_fields_is_reported_and_the_rest_scored(
    fresh: Path, tmp_path: Path
) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "left_name,right_name\nZhang Wei,Wei Zhang\nAcme, Ltd,Acme Limited\nLi Na,Li Na\n",
        encoding="utf-8",
    )
    code, out, err = _run(["compare-parties", str(pairs)])
    assert code == 2
    assert "row 2" in err and "3 fields where the header has 2" in err
    scored = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert len(scored) == 3 and scored["score"][1] == ""
    assert float(scored["score"][0]) > 0.5 and float(scored["score"][2]) > 0.5
    assert list(scored.columns) == ["left_name", "right_name", "score", "reasons", "error"]


def test_trained_model_scores_get_the_schema_relation_too() -> None:
    from ringfence.resolve.compare import _with_schemas

    low, reasons = _with_schemas(0.99, ["name identical (+8.0)"], "Person", "Vessel")
    assert low < 0.01 and reasons[0].startswith("schemas Person and Vessel: incompatible")
    assert _with_schemas(0.99, ["x"], "Company", "Organization") == (0.99, ["x"])


def test_limits(fresh: Path) -> None:
    from ringfence.errors import LimitError

    frame = pd.DataFrame({"left_name": ["A", "B", "C"], "right_name": ["A", "B", "C"]})
    with pytest.raises(LimitError, match="RINGFENCE_MAX_ROWS"):
        compare_pairs(Settings(max_rows=2), frame)
    huge = " ".join(f"word{i}" for i in range(5000))
    scored = compare_pairs(Settings(), pd.DataFrame({"left_name": [huge], "right_name": [huge]}))
    assert scored["score"][0] > 0.5
