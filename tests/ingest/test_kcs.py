"""The KCS customs declarations ingest through the shipped mapping, labels becoming outcomes."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

import pytest

from ringfence.ingest import ingest_files
from ringfence.model.records import make_id
from ringfence.settings import Settings
from tests.ingest.conftest import KCS_DIR, read_dataset

Q1 = KCS_DIR / "declarations-2021q1.csv"
pytestmark = pytest.mark.skipif(not Q1.is_file(), reason=f"KCS data not at {KCS_DIR}")


def _source_rows() -> list[dict[str, str]]:
    with Q1.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_kcs_2021q1_ingests_with_the_shipped_mapping(ingest_settings: Settings) -> None:
    rows = _source_rows()
    summary = ingest_files(ingest_settings, "declarations", [Q1], mapping="kcs-declarations")
    f = summary.files[0]
    assert f.organisation == "kcs-customs"
    assert (f.rows_read, f.accepted, f.quarantined, f.duplicates) == (len(rows), len(rows), 0, 0)

    shipments = {r["source_key"]: r for r in read_dataset(ingest_settings, "shipments")
                 .to_pylist()}
    first = rows[0]
    s = shipments[first["Declaration ID"]]
    assert s["kind"] == "declaration" and s["currency"] == "KRW"
    assert s["declared_value"] == pytest.approx(float(first["Item Price"]))
    assert s["value_at_stake"] == pytest.approx(
        float(first["Item Price"]) * float(first["Tax Rate"]) / 100)
    assert s["declarant_ref"] == make_id("kcs-customs", "parties",
                                         f"declarant:{first['Declarant ID']}")

    mentions = {m["id"]: m for m in read_dataset(ingest_settings, "parties").to_pylist()}
    declarant = mentions[s["declarant_ref"]]
    assert (declarant["role"], declarant["identifier"]) == ("declarant",
                                                            first["Declarant ID"].upper())
    couriers = {r["Courier ID"] for r in rows if r["Courier ID"]}
    assert sum(m["role"] == "courier" for m in mentions.values()) == len(couriers)


def test_kcs_labels_become_outcomes(ingest_settings: Settings) -> None:
    rows = _source_rows()
    ingest_files(ingest_settings, "declarations", [Q1], mapping="kcs-declarations")
    outcomes = read_dataset(ingest_settings, "outcomes").to_pylist()
    fraud = [o for o in outcomes if o["label"] == "fraud"]
    ipr = [o for o in outcomes if o["label"] == "ipr"]
    assert len(fraud) == len(ipr) == len(rows)
    assert sum(o["positive"] for o in fraud) == sum(r["Fraud"] == "1" for r in rows)
    assert sum(o["positive"] for o in ipr) == sum(r["Critical Fraud"] == "2" for r in rows) == 78
    first = rows[0]
    o = next(o for o in ipr if o["source_key"] == f"{first['Declaration ID']}:ipr")
    assert o["shipment_ref"] == make_id("kcs-customs", "shipments", first["Declaration ID"])
    assert str(o["date"]) == first["Date"]


def test_kcs_via_the_cli_prints_only_json(cli: Callable[..., Any]) -> None:
    import json

    result = cli("ingest", "declarations", Q1, "--mapping", "kcs-declarations", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == ["files", "rows_read", "accepted", "quarantined", "duplicates",
                              "field_problems"]
    assert document["accepted"] == document["rows_read"] == 8134


def test_both_kcs_files_ingest_without_quarantine(ingest_settings: Settings) -> None:
    files = sorted(KCS_DIR.glob("declarations-*.csv"))
    summary = ingest_files(ingest_settings, "declarations", files, mapping="kcs-declarations")
    assert summary.quarantined == 0
    assert summary.accepted == summary.rows_read == 8134 + 37385
