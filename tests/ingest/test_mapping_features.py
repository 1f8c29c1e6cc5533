"""Every mapping option does what docs/mappings.md says."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.ingest import ingest_files
from ringfence.model.records import make_id
from ringfence.settings import Settings
from tests.ingest.conftest import read_dataset

MANIFEST = (
    "Carrier X export;generated 2024-03-05\n"
    "\n"
    "AWB;Ship Date;Goods;Goods 2;Origin;Weight (g);Value;Duty Rate;Currency;Shipper Name;"
    "Shipper Country;Shipper Phone;Consignee;Result\n"
    "A1;01.03.2024;Schuhe;Größe 42;China;1500;1.234,50;10;€;Bright Trading;CN;0755 1234 5678;"
    "Anna;SEIZED\n"
    "A2;02.03.2024;Tasche;;P.R.C.;800;30,00;0;EUR;Bright Trading;CN;0755 1234 5678;;CLEARED\n"
    "A3;03.03.2024;Uhr;;TR;200;99,00;5;USD;;;;Bob;RELEASED\n"
    "A4;04.03.2024;Uhr;;TR;200;99,00;5;Dollar;;;;Bob;\n"
    "A5;05.03.2024;Uhr;;TR;200;99,00;5;EUR;;;;Bob;MAYBE\n"
)

MAPPING = """
feed: shipments
organisation: carrier-x
format: {type: csv, delimiter: ";", encoding: cp1252, skip_rows: 1}
key: [AWB]
defaults: {date_format: "%d.%m.%Y", number_style: comma}
fields:
  date: Ship Date
  kind: {constant: parcel}
  description: {columns: [Goods, Goods 2], join: " / "}
  origin_country: {column: Origin, map: {"P.R.C.": CN}}
  weight_kg: {column: Weight (g), factor: 0.001}
  declared_value: Value
  currency: {column: Currency, map: {"€": EUR, EUR: EUR, USD: USD}, map_default: reject}
  value_at_stake: {column: Value, multiply_column: Duty Rate, factor: 0.01}
parties:
  shipper:
    fields:
      name: Shipper Name
      country: Shipper Country
      phone: {column: Shipper Phone, hint_column: Shipper Country}
  consignee:
    key: [Consignee]
    fields: {name: Consignee}
labels:
  seized: {column: Result, positive: [SEIZED], negative: [CLEARED, RELEASED]}
"""


@pytest.fixture
def carrier_x(tmp_path: Path) -> tuple[Settings, dict[str, dict[str, object]]]:
    data = tmp_path / "manifest.csv"
    data.write_bytes(MANIFEST.encode("cp1252"))
    mapping = tmp_path / "carrier-x.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d")
    summary = ingest_files(settings, "shipments", [data], mapping=mapping)
    # A4's currency is not in the map and A5's label is unknown: field problems, rows kept.
    assert (summary.rows_read, summary.accepted, summary.quarantined) == (5, 5, 0)
    assert summary.field_problems == 2
    rows = {r["source_key"]: r for r in read_dataset(settings, "shipments").to_pylist()}
    return settings, rows


def test_field_transforms(carrier_x: tuple[Settings, dict[str, dict[str, object]]]) -> None:
    _, rows = carrier_x
    a1, a2 = rows["A1"], rows["A2"]
    assert a1["kind"] == "parcel" and str(a1["date"]) == "2024-03-01"
    assert a1["description"] == "Schuhe / Größe 42" and a2["description"] == "Tasche"
    assert (a1["origin_country"], a2["origin_country"]) == ("CN", "CN")
    assert a1["weight_kg"] == pytest.approx(1.5)
    assert a1["declared_value"] == pytest.approx(1234.5)
    assert a1["currency"] == "EUR"
    assert a1["value_at_stake"] == pytest.approx(123.45)


def test_a_joined_field_with_every_part_blank_stays_on_its_own_row(tmp_path: Path) -> None:
    """A row whose joined columns are all blank gets no description, and every later row
    keeps its own (pyarrow's null-skipping join drops such a row, shifting the rest up)."""
    lines = MANIFEST.splitlines(keepends=True)
    a2 = lines[4].split(";")
    a2[2] = ""  # A2: neither Goods nor Goods 2
    lines[4] = ";".join(a2)
    data = tmp_path / "manifest.csv"
    data.write_bytes("".join(lines).encode("cp1252"))
    mapping = tmp_path / "carrier-x.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d")
    summary = ingest_files(settings, "shipments", [data], mapping=mapping)
    assert (summary.rows_read, summary.accepted) == (5, 5)
    rows = {r["source_key"]: r for r in read_dataset(settings, "shipments").to_pylist()}
    described = {key: rows[key]["description"] for key in sorted(rows)}
    assert described == {"A1": "Schuhe / Größe 42", "A2": None, "A3": "Uhr", "A4": "Uhr",
                         "A5": "Uhr"}  # fmt: skip


def test_rejects_are_field_problems_with_reasons(
    carrier_x: tuple[Settings, dict[str, dict[str, object]]],
) -> None:
    settings, rows = carrier_x
    problems = {(q["source_row"], q["field"]): q
                for q in read_dataset(settings, "field_problems").to_pylist()}
    assert set(problems) == {(4, "currency"), (5, "labels.seized")}
    assert "not in the mapping's map" in problems[(4, "currency")]["reason"]
    assert problems[(4, "currency")]["raw"] == "Dollar"
    assert "neither positive nor negative" in problems[(5, "labels.seized")]["reason"]
    assert problems[(5, "labels.seized")]["raw"] == "MAYBE"
    assert rows["A4"]["currency"] is None
    outcomes = {o["source_key"] for o in read_dataset(settings, "outcomes").to_pylist()}
    assert "A5:seized" not in outcomes  # an unreadable label gives no outcome
    assert read_dataset(settings, "quarantine").num_rows == 0


def test_inline_parties_and_labels(
    carrier_x: tuple[Settings, dict[str, dict[str, object]]],
) -> None:
    settings, rows = carrier_x
    mentions = {m["id"]: m for m in read_dataset(settings, "parties").to_pylist()}
    shipper = mentions[rows["A1"]["shipper_ref"]]
    assert shipper["role"] == "shipper" and shipper["phone"] == "+8675512345678"
    assert rows["A1"]["shipper_ref"] == rows["A2"]["shipper_ref"]  # same party values, same key
    assert rows["A3"]["shipper_ref"] is None
    assert rows["A3"]["consignee_ref"] == make_id("carrier-x", "parties", "consignee:Bob")
    outcomes = {o["source_key"]: o for o in read_dataset(settings, "outcomes").to_pylist()}
    assert outcomes["A1:seized"]["positive"] is True
    assert outcomes["A2:seized"]["positive"] is False
    assert outcomes["A1:seized"]["shipment_ref"] == make_id("carrier-x", "shipments", "A1")


def test_headerless_file_split_lists_and_refs_to_another_org(tmp_path: Path) -> None:
    data = tmp_path / "seizures.tsv"
    data.write_text("D1\t1\tNike|Adidas\nD2\t0\t\n", encoding="utf-8")
    mapping = tmp_path / "ipcu.yaml"
    mapping.write_text(
        "feed: outcomes\norganisation: ipcu\n"
        "format: {type: csv, delimiter: \"\\t\", header: false, columns: [decl, hit, brands]}\n"
        "key: [decl]\nrefs: {shipment: {organisation: kcs-customs}}\n"
        "fields:\n  shipment: decl\n  label: {constant: ipr}\n  positive: hit\n"
        "  brand: {column: brands, map: {'Nike|Adidas': 'Nike'}}\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d")
    assert ingest_files(settings, "outcomes", [data], mapping=mapping).accepted == 2
    rows = {r["source_key"]: r for r in read_dataset(settings, "outcomes").to_pylist()}
    assert rows["D1"]["shipment_ref"] == make_id("kcs-customs", "shipments", "D1")
    assert rows["D1"]["positive"] is True and rows["D1"]["brand"] == "Nike"
    assert rows["D1"]["organisation"] == "ipcu"


def test_list_split_option(tmp_path: Path) -> None:
    data = tmp_path / "tm.csv"
    data.write_text("reg,brand,classes\nEU1,Nike,25/18\n", encoding="utf-8")
    mapping = tmp_path / "tm.yaml"
    mapping.write_text(
        "feed: trademarks\nkey: [reg]\nfields:\n  brand: brand\n  registration_number: reg\n"
        "  nice_classes: {column: classes, split: /}\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "d")
    ingest_files(settings, "trademarks", [data], mapping=mapping, organisation="nike")
    assert read_dataset(settings, "trademarks").column("nice_classes").to_pylist() == [["25", "18"]]
