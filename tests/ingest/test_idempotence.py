"""Re-ingesting a file adds nothing: no records, no party mentions, no quarantine entries and
no field problems."""

from __future__ import annotations

from pathlib import Path

from ringfence.ingest import ingest_files
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from tests.ingest.conftest import read_dataset

ROWS = """id,date,origin_country,declared_value,shipper,consignee
S1,2024-01-01,CN,10,P1,P2
S2,2024-01-02,QQ,20,P1,
S3,not a date,CN,-5,,
S1,2024-01-01,CN,10,P1,P2
S4,2024-01-04
"""


def _counts(settings: Settings) -> dict[str, int]:
    lake = Lake(settings)
    return {d: lake.row_count(d) for d in ("shipments", "quarantine", "field_problems")}


def test_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    path = tmp_path / "ships.csv"
    path.write_text(ROWS, encoding="utf-8")
    first = ingest_files(settings, "shipments", [path], organisation="acme")
    f = first.files[0]
    # S2's country QQ is a field problem, not a reason to lose the shipment.
    assert (f.rows_read, f.accepted, f.quarantined, f.duplicates) == (5, 2, 2, 1)
    assert f.field_problems == 1
    before = _counts(settings)
    assert before["field_problems"] == 1
    second = ingest_files(settings, "shipments", [path], organisation="acme")
    s = second.files[0]
    assert (s.rows_read, s.accepted, s.quarantined, s.duplicates) == (5, 0, 2, 3)
    assert s.field_problems == 0
    assert _counts(settings) == before
    quarantine = read_dataset(settings, "quarantine")
    assert len(set(quarantine.column("id").to_pylist())) == quarantine.num_rows


def test_same_file_twice_in_one_call(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    path = tmp_path / "ships.csv"
    path.write_text(ROWS, encoding="utf-8")
    summary = ingest_files(settings, "shipments", [path, path], organisation="acme")
    assert [f.accepted for f in summary.files] == [2, 0]
    assert [f.field_problems for f in summary.files] == [1, 0]
    assert summary.rows_read == summary.accepted + summary.quarantined + summary.duplicates


def test_kcs_style_mentions_are_not_repeated(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    path = tmp_path / "ships.csv"
    path.write_text(ROWS, encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "feed: shipments\nkey: [id]\nfields: {date: date}\n"
        "parties:\n  shipper: {key: [shipper], fields: {name: shipper}}\n"
        "labels:\n  fraud: {column: declared_value, positive: ['10']}\n", encoding="utf-8")
    ingest_files(settings, "shipments", [path], mapping=mapping, organisation="acme")
    mentions = read_dataset(settings, "parties").num_rows
    outcomes = read_dataset(settings, "outcomes").num_rows
    assert (mentions, outcomes) == (1, 2)  # P1 once; labels of S1 and S2 (S3 is quarantined)
    ingest_files(settings, "shipments", [path], mapping=mapping, organisation="acme")
    assert read_dataset(settings, "parties").num_rows == mentions
    assert read_dataset(settings, "outcomes").num_rows == outcomes
