"""Quarantined rows keep file, row number, field, reason and raw values; the CLI shows them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from ringfence.ingest import ingest_files
from ringfence.ingest.mapping import FormatOptions
from ringfence.ingest.problems import Problems
from ringfence.ingest.readers import open_source
from ringfence.settings import Settings
from tests.ingest.conftest import read_dataset

BAD = """id,date,declared_value,origin_country
S1,2024-01-01,10,CN
S2,2024-13-01,-1,CN
S3,2024-01-03,1,2,3
"S4
with a newline",2024-01-04,5,TR
S5,2024-01-05,oops,QQ
"""


def test_row_numbers_fields_and_raw_values(tmp_path: Path) -> None:
    """Strict: any value that does not clean quarantines its row, as before field problems."""
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d")
    summary = ingest_files(settings, "shipments", [path], organisation="acme", strict=True)
    assert (summary.rows_read, summary.accepted, summary.quarantined) == (5, 2, 3)
    assert summary.field_problems == 0
    entries = read_dataset(settings, "quarantine").to_pylist()
    found = {(q["source_row"], q["field"]) for q in entries}
    assert found == {(2, "date"), (2, "declared_value"), (3, None), (5, "declared_value"),
                     (5, "origin_country")}
    row2 = next(q for q in entries if q["source_row"] == 2)
    assert json.loads(row2["raw"])["date"] == "2024-13-01"
    row3 = next(q for q in entries if q["source_row"] == 3)
    assert "expected 4 fields, found 5" in row3["reason"]
    assert json.loads(row3["raw"])["_line"] == "S3,2024-01-03,1,2,3"
    accepted = read_dataset(settings, "shipments")
    assert sorted(accepted.column("source_row").to_pylist()) == [1, 4]


def test_default_keeps_rows_whose_optional_values_are_bad(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d")
    summary = ingest_files(settings, "shipments", [path], organisation="acme")
    assert (summary.rows_read, summary.accepted, summary.quarantined) == (5, 3, 2)
    assert summary.field_problems == 2
    quarantine = read_dataset(settings, "quarantine").to_pylist()
    # Row 2's date is required; its bad declared value is listed with it in the quarantine.
    assert {(q["source_row"], q["field"]) for q in quarantine} == {
        (2, "date"), (2, "declared_value"), (3, None)}
    problems = read_dataset(settings, "field_problems").to_pylist()
    assert {(p["source_row"], p["field"], p["raw"]) for p in problems} == {
        (5, "declared_value", "oops"), (5, "origin_country", "QQ")}
    assert all(p["source_file"] == str(path) and p["reason"] for p in problems)
    row5 = next(r for r in read_dataset(settings, "shipments").to_pylist()
                if r["source_row"] == 5)
    assert (row5["source_key"], row5["declared_value"], row5["origin_country"]) == (
        "S5", None, None)


def test_skipped_rows_and_malformed_rows_number_alike(tmp_path: Path) -> None:
    path = tmp_path / "banner.csv"
    path.write_text("Export of 2024\na,b\n1,2\n3\n4,5\n", encoding="utf-8")
    source = open_source(path, FormatOptions(skip_rows=1), 1_000)
    batches = list(source.batches())
    assert [r for b in batches for r in b.rows.to_pylist()] == [1, 3]
    assert [bad.row for b in batches for bad in b.bad] == [2]


def test_quarantine_list_and_show(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    assert cli("ingest", "shipments", path, "--org", "acme", "--strict").exit_code == 0
    listed = cli("quarantine", "list", "--json")
    assert listed.exit_code == 0, listed.output
    files = json.loads(listed.stdout)
    assert [(f["source_file"], f["rows"]) for f in files] == [(str(path), 3)]
    reasons = files[0]["top_reasons"]
    assert len(reasons) == 3 and all(r["count"] == 1 for r in reasons)
    assert all("'" not in r["reason"] for r in reasons)  # offending values are left out
    assert json.loads(cli("quarantine", "list", "--feed", "parties", "--json").stdout) == []
    shown = cli("quarantine", "show", "bad.csv", "--limit", "2", "--json")
    rows = json.loads(shown.stdout)
    assert [r["source_row"] for r in rows] == [2, 3]
    assert {p["field"] for p in rows[0]["problems"]} == {"date", "declared_value"}
    assert rows[0]["raw"]["id"] == "S2"
    text = cli("quarantine", "show", str(path))
    assert text.exit_code == 0 and "2024-13-01" in text.stdout


def test_row_numbers_stay_exact_across_blocks_and_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    padding = "x" * 90
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name,note\n")
        for row in range(1, 120_001):
            bad = row % 9_973 == 0
            handle.write(f"{row},n{row}\n" if bad else f"{row},n{row},{padding}\n")
    settings = Settings(data_dir=tmp_path / "d", batch_rows=7_000)
    summary = ingest_files(settings, "brands", [path], organisation="acme")
    assert (summary.rows_read, summary.quarantined) == (120_000, 120_000 // 9_973)
    brands = read_dataset(settings, "brands")
    assert brands.column("source_key").to_pylist() == [
        str(r) for r in brands.column("source_row").to_pylist()]
    bad_rows = sorted(q["source_row"] for q in read_dataset(settings, "quarantine").to_pylist())
    assert bad_rows == list(range(9_973, 120_001, 9_973))


def test_a_second_check_of_one_place_keeps_each_rows_reasons() -> None:
    """Two checks of one field: each row keeps its own reasons, a row neither check faulted
    stays clean (pyarrow's null-skipping join dropped it and moved the later rows' reasons
    up by one)."""
    problems = Problems(size=4)
    problems.add("key", pa.array(["a missing", None, None, None], pa.string()))
    problems.add("key", pa.array([None, None, "c bad", "d bad"], pa.string()))
    (entry,) = problems.rows
    assert entry.reasons.to_pylist() == ["a missing", None, "c bad", "d bad"]
    assert problems.bad_mask().tolist() == [True, False, True, True]
