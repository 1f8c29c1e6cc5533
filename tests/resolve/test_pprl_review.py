"""Hostile inputs to PPRL's files and output (review of 2026-12-05): repeated ids, ids that are
markup or spreadsheet formulas, output names of no known format."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from ringfence.errors import InputFileError
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.io import read_encodings, read_parties, write_encodings
from tests.resolve.test_pprl import MUELLER, SECRET, ZHANG, _run, parties

MARIA = {"id": "a1", "name": "Maria Garcia", "country": "ES", "city": "Madrid"}


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    write_encodings(encode_parties(parties(*rows), SECRET), path)
    return path


def test_a_parties_file_with_a_repeated_id_is_refused_naming_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,name,country\n1,John Smith,GB\n2,Ann Lee,GB\n1,Maria Garcia,ES\n")
    with pytest.raises(InputFileError, match="id '1' repeats record 1") as error:
        read_parties(path)
    assert error.value.row == 3 and error.value.field == "id"


@pytest.mark.parametrize("name", ["e.parquet", "e.jsonl"])
def test_encodings_with_a_repeated_id_are_refused(tmp_path: Path, name: str) -> None:
    """A partner's hand-made file is not trusted either: two records under one id would be
    one record to entities mode and join both records' matches."""
    path = _write(tmp_path / name, [ZHANG, MARIA])  # both have id a1
    with pytest.raises(InputFileError, match="repeats record 1"):
        read_encodings(path)


def test_encodings_with_an_empty_id_are_refused(tmp_path: Path) -> None:
    table = encode_parties(parties(ZHANG), SECRET)
    blank = table.set_column(0, table.schema.field(0), pa.array([""], pa.string()))
    assert blank.column_names[0] == "id"
    write_encodings(blank, tmp_path / "e.parquet")
    with pytest.raises(InputFileError, match="empty id"):
        read_encodings(tmp_path / "e.parquet")


def test_the_cli_refuses_repeated_ids_in_one_line(tmp_path: Path) -> None:
    left = _write(tmp_path / "l.parquet", [ZHANG, MARIA])
    right = _write(tmp_path / "r.parquet", [{**ZHANG, "id": "b1"}])
    code, stdout, stderr = _run("pprl", "match", left, right, "--entities")
    assert code == 2 and "repeats record 1" in stdout + stderr
    assert "Traceback" not in stdout + stderr


def test_markup_in_ids_and_paths_is_printed_as_written(tmp_path: Path) -> None:
    left = _write(tmp_path / "l.parquet", [{**ZHANG, "id": "[/red]"}, {**MUELLER, "id": "[b]x"}])
    right = _write(tmp_path / "r.parquet", [{**ZHANG, "id": "b1"}])
    code, stdout, stderr = _run("pprl", "match", left, right, "--entities")
    assert code == 0, stdout + stderr
    assert "[/red]" in stdout and "[b]x" in stdout
    code, stdout, _ = _run("pprl", "match", left, right)
    assert code == 0 and "[/red]" in stdout
    out = tmp_path / "[bold]e.csv"
    code, stdout, _ = _run("pprl", "match", left, right, "--entities", "--out", out)
    assert code == 0 and out.is_file() and "[bold]e.csv" in stdout


def test_formula_ids_are_neutralised_in_csv_and_kept_in_parquet(tmp_path: Path) -> None:
    formula = "=HYPERLINK(\"http://x\")"
    left = _write(tmp_path / "l.parquet", [{**ZHANG, "id": formula}, {**MUELLER, "id": "-5"}])
    right = _write(tmp_path / "r.parquet", [{**ZHANG, "id": "@SUM(1)"}])
    code, _, stderr = _run("pprl", "match", left, right, "--entities", "--out", tmp_path / "e.csv")
    assert code == 0, stderr
    with (tmp_path / "e.csv").open() as handle:
        ids = {r["id"] for r in csv.DictReader(handle)}
    assert ids == {"'" + formula, "-5", "'@SUM(1)"}
    code, _, _ = _run("pprl", "match", left, right, "--out", tmp_path / "p.csv")
    with (tmp_path / "p.csv").open() as handle:
        assert [r["left_id"] for r in csv.DictReader(handle)] == ["'" + formula]


@pytest.mark.parametrize("name", ["e.json", "e.csv.gz", "e"])
def test_an_output_name_of_no_known_format_is_refused(tmp_path: Path, name: str) -> None:
    left = _write(tmp_path / "l.parquet", [ZHANG])
    right = _write(tmp_path / "r.parquet", [{**ZHANG, "id": "b1"}])
    for extra in (("--entities",), ()):
        code, stdout, stderr = _run("pprl", "match", left, right, *extra, "--out", tmp_path / name)
        assert code == 2 and ".csv or .parquet" in stdout + stderr
        assert not (tmp_path / name).exists()
