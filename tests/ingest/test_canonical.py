"""Canonical-format files of every feed kind ingest without a mapping."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ringfence.errors import InputFileError, UserError
from ringfence.ingest import ingest_files
from ringfence.model.feeds import feeds
from ringfence.model.records import make_id
from ringfence.settings import Settings
from tests.ingest.conftest import FIXTURES, read_dataset


def _types_match(actual: pa.DataType, expected: pa.DataType) -> bool:
    """Equal types; list item names differ between writers (``element``/``item``)."""
    if pa.types.is_list(expected):
        return pa.types.is_list(actual) and actual.value_type == expected.value_type
    return actual == expected


@pytest.mark.parametrize("feed_name", sorted(feeds()))
def test_every_feed_kind_ingests_its_canonical_fixture(
    ingest_settings: Settings, feed_name: str
) -> None:
    path = FIXTURES / f"{feed_name}.csv"
    rows = sum(1 for _ in csv.DictReader(path.open(encoding="utf-8")))
    summary = ingest_files(ingest_settings, feed_name, [path], organisation="acme")
    assert (summary.rows_read, summary.accepted, summary.quarantined) == (rows, rows, 0)
    table = read_dataset(ingest_settings, feed_name)
    expected = feeds()[feed_name].schema
    assert table.column_names == expected.names
    for field in expected:
        assert _types_match(table.schema.field(field.name).type, field.type), field.name
    assert set(table.column("organisation").to_pylist()) == {"acme"}
    assert table.column("source_row").to_pylist() == list(range(1, rows + 1))


def test_references_become_ids_and_lists_are_split(ingest_settings: Settings) -> None:
    ingest_files(ingest_settings, "declarations", [FIXTURES / "shipments.csv"],
                 organisation="acme")
    ingest_files(ingest_settings, "products", [FIXTURES / "products.csv"], organisation="acme")
    shipments = {r["source_key"]: r for r in read_dataset(ingest_settings, "shipments")
                 .to_pylist()}
    s1 = shipments["S1"]
    assert s1["id"] == make_id("acme", "shipments", "S1")
    assert s1["shipper_ref"] == make_id("acme", "parties", "P1")
    assert s1["importer_ref"] is None
    assert s1["hs_code"] == "640399" and s1["origin_country"] == "CN"
    assert s1["transit_countries"] == ["AE", "TR"]
    assert shipments["S2"]["origin_country"] == "CN"  # "China"
    assert shipments["S3"]["kind"] == "manifest"  # blank takes the record's default
    products = {r["source_key"]: r for r in read_dataset(ingest_settings, "products").to_pylist()}
    assert products["PR1"]["hs_codes"] == ["640399", "640411"]
    assert products["PR1"]["manufacturing_countries"] == ["VN", "ID"]


def test_sellers_and_watchlist_entries_are_party_mentions_too(ingest_settings: Settings) -> None:
    ingest_files(ingest_settings, "sellers", [FIXTURES / "sellers.csv"], organisation="shop")
    ingest_files(ingest_settings, "watchlist", [FIXTURES / "watchlist.csv"], organisation="ipcu")
    ingest_files(ingest_settings, "listings", [FIXTURES / "listings.csv"], organisation="shop")
    mentions = read_dataset(ingest_settings, "parties").to_pylist()
    keys = {(m["organisation"], m["role"], m["source_key"]) for m in mentions}
    assert ("shop", "seller", "seller:SELL1") in keys
    assert ("ipcu", "watchlist", "watchlist:W1") in keys
    listing = read_dataset(ingest_settings, "listings").to_pylist()[0]
    assert listing["seller_ref"] == make_id("shop", "sellers", "SELL1")


def test_the_same_file_as_gzip_jsonl_and_parquet_gives_the_same_records(tmp_path: Path) -> None:
    source = FIXTURES / "shipments.csv"
    gz = tmp_path / "shipments.csv.gz"
    gz.write_bytes(gzip.compress(source.read_bytes()))
    rows = list(csv.DictReader(source.open(encoding="utf-8")))
    jsonl = tmp_path / "shipments.jsonl.gz"
    with gzip.open(jsonl, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps({k: v for k, v in row.items() if v}) + "\n")
    parquet = tmp_path / "shipments.parquet"
    pq.write_table(pacsv.read_csv(source), parquet)  # typed columns: numbers, dates
    results = []
    for path in (source, gz, jsonl, parquet):
        settings = Settings(data_dir=tmp_path / path.name.replace(".", "-"))
        assert ingest_files(settings, "shipments", [path], organisation="acme").accepted == 3
        table = read_dataset(settings, "shipments").drop_columns(["source_file", "ingested_at"])
        results.append(table.sort_by("source_row").to_pylist())
    assert results[0] == results[1] == results[2] == results[3]


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "parties.csv"
    path.write_text("id,city\nP1,Paris\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"parties\.csv.*'name'"):
        ingest_files(Settings(data_dir=tmp_path / "d"), "parties", [path], organisation="acme")


def test_unknown_columns_are_ignored_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "brands.csv"
    path.write_text("id,name,colour,size\nB1,Nike,red,XL\n", encoding="utf-8")
    summary = ingest_files(Settings(data_dir=tmp_path / "d"), "brands", [path],
                           organisation="acme")
    assert summary.accepted == 1
    assert len(summary.files[0].warnings) == 1
    assert "colour, size" in summary.files[0].warnings[0]


def test_organisation_is_required(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--org"):
        ingest_files(Settings(data_dir=tmp_path), "brands", [FIXTURES / "brands.csv"])


def test_empty_file_reads_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "brands.csv"
    path.write_text("", encoding="utf-8")
    summary = ingest_files(Settings(data_dir=tmp_path / "d"), "brands", [path],
                           organisation="acme")
    assert summary.rows_read == 0 and summary.files[0].warnings


def test_runs_are_recorded_in_the_operational_store(ingest_settings: Settings) -> None:
    from ringfence.store.operational import OperationalStore

    ingest_files(ingest_settings, "brands", [FIXTURES / "brands.csv"], organisation="acme")
    with OperationalStore.open(ingest_settings) as store:
        runs = store.ingest_runs("acme")
        assert [(r.feed, r.rows_read, r.accepted) for r in runs] == [("brands", 2, 2)]
        assert any(e.action == "ingest" for e in store.audit_entries())


def test_copies_of_a_file_under_another_name_add_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")
    copy = tmp_path / "copy.csv"
    shutil.copy(FIXTURES / "pageviews.csv", copy)
    ingest_files(settings, "pageviews", [FIXTURES / "pageviews.csv"], organisation="acme")
    summary = ingest_files(settings, "pageviews", [copy], organisation="acme")
    assert (summary.accepted, summary.duplicates) == (0, 3)


@pytest.mark.parametrize("name", ["brands.csv", "brands.jsonl"])
def test_byte_order_marks_are_not_part_of_the_first_column(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    text = "id,name\nB1,Nike\n" if name.endswith(".csv") else '{"id": "B1", "name": "Nike"}\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    settings = Settings(data_dir=tmp_path / "d")
    summary = ingest_files(settings, "brands", [path], organisation="acme")
    assert summary.accepted == 1 and not summary.files[0].warnings
    assert read_dataset(settings, "brands").column("source_key").to_pylist() == ["B1"]


def test_progress_is_reported_per_file(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int | None]] = []

    def progress(task: str, done: int, total: int | None = None) -> None:
        calls.append((task, done, total))

    ingest_files(Settings(data_dir=tmp_path / "d"), "pageviews", [FIXTURES / "pageviews.csv"],
                 organisation="acme", progress=progress)
    assert calls[0] == ("ingest pageviews.csv", 3, None)
    assert calls[-1] == ("ingest pageviews.csv", 3, 3)
