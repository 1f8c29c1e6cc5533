"""Screening against a small fixture lake (``write_entities``).

* E1 ZHANG Wei — watchlisted, phone +8613800000001, CN;
* E2..E5 more people called Wang (a common name here), E4 and E5 both "Wang Fang";
* E6 Oleksandr Kovalenko, UA — a rare name, for the typo test;
* E7 Acme Trading Ltd, identifier DE123456789.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import typer
from typer.testing import CliRunner

from ringfence.cli import screen_cmd
from ringfence.resolve.screen import ScreeningIndex, Weights, from_splink
from ringfence.settings import Settings
from ringfence.store.lake import Lake

ENTITIES = [
    ("E1", "Person", "ZHANG Wei", "CN", ["+8613800000001"], [], [], True),
    ("E2", "Person", "Wang Lei", "CN", ["+8613800000002"], [], [], False),
    ("E3", "Person", "Wang Min", "CN", [], ["min@example.cn"], [], False),
    ("E4", "Person", "Wang Fang", "CN", ["+8613800000004"], [], [], False),
    ("E5", "Person", "Wang Fang", "HK", [], [], [], False),
    ("E6", "Person", "Oleksandr Kovalenko", "UA", [], ["ok@example.ua"], [], False),
    ("E7", "Company", "Acme Trading Ltd", "DE", [], [], ["DE123456789"], False),
    ("E8", "Person", "Li Na", "CN", [], ["lina@example.cn"], [], False),
]


def write_entities(settings: Settings) -> None:
    """The fixture entities (and a network_risk for E1) as lake datasets."""
    keys = (
        "entity_id",
        "schema",
        "name",
        "country",
        "phones",
        "emails",
        "identifiers",
        "watchlisted",
    )
    rows = [dict(zip(keys, e, strict=True)) for e in ENTITIES]
    for r in rows:
        r.update(mention_count=1, organisations=["swiftpost"])
    Lake(settings).write_table("entities", pa.Table.from_pylist(rows), "fixture")
    risk = pa.table({"entity_id": ["E1"], "network_risk": [1.0], "path": ["seed"]})
    Lake(settings).write_table("network_risk", risk, "fixture")


@pytest.fixture
def lake_settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data")
    write_entities(settings)
    return settings


@pytest.fixture
def index(lake_settings: Settings) -> ScreeningIndex:
    return ScreeningIndex.load(lake_settings)


def test_exact_phone_hit_ranks_first_with_reason(index: ScreeningIndex) -> None:
    matches = index.screen({"name": "W. Zhang", "phone": "138 0000 0001", "country": "CN"})
    top = matches[0]
    assert top.entity_id == "E1"
    assert top.watchlisted and top.network_risk == 1.0
    assert "phone identical" in top.reasons
    assert top.score > 0.9


def test_typo_name_finds_the_entity(index: ScreeningIndex) -> None:
    top = index.screen({"name": "Oleksandr Kovalenkko"})[0]
    assert top.entity_id == "E6"
    assert any(r.startswith("name similar 0.9") for r in top.reasons)
    assert top.score > 0.5


def test_identifier_cleaned_before_lookup(index: ScreeningIndex) -> None:
    top = index.screen({"name": "ACME GmbH", "identifier": "de 123-456-789"})[0]
    assert top.entity_id == "E7"
    assert top.reasons[0] == "identifier identical"


def test_common_name_without_other_agreement_is_no_match(index: ScreeningIndex) -> None:
    matches = index.screen({"name": "Wang Fang"})
    assert {m.entity_id for m in matches[:2]} == {"E4", "E5"}
    assert all(m.score < 0.5 for m in matches)
    assert "common name" in matches[0].reasons[0]


def test_disagreement_lowers_the_score(index: ScreeningIndex) -> None:
    plain = index.screen({"name": "Li Na"})[0]
    differs = index.screen({"name": "Li Na", "country": "FR", "email": "x@y.fr"})[0]
    assert differs.entity_id == "E8"
    assert differs.score < plain.score
    assert "country differs" in differs.reasons and "email differs" in differs.reasons


def test_weights_from_splink_levels() -> None:
    model = {
        "comparisons": [
            {
                "output_column_name": "phone",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.8, "u_probability": 0.0008},
                    {"m_probability": 0.2, "u_probability": 0.8},
                ],
            }
        ]
    }
    weights = from_splink(model)
    assert weights.source == "splink"
    assert weights.phone_exact == pytest.approx(9.966, abs=1e-3)
    assert weights.phone_else == -2.0
    assert from_splink({"comparisons": []}).source == "defaults"


def _cli() -> typer.Typer:
    app = typer.Typer()
    screen_cmd.register(app)

    @app.callback()
    def main() -> None:
        """Force a command group so the command is invoked by name."""

    return app


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_cli_contract(lake_settings: Settings, tmp_path: Path) -> None:
    file = _write_csv(
        tmp_path / "in.csv",
        [
            {"id": "Q1", "name": "Zhang Wei", "country": "CN", "phone": "+8613800000001"},
            {"id": "Q2", "name": "Nobody Known", "country": "", "phone": ""},
        ],
    )
    runner = CliRunner()
    args = ["screen", str(file), "--limit", "2", "--data-dir", str(lake_settings.data_dir)]
    result = runner.invoke(_cli(), [*args, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert tuple(rows[0]) == screen_cmd.OUTPUT_COLUMNS
    assert rows[0]["query_id"] == "Q1" and rows[0]["entity_id"] == "E1"
    assert all(r["query_id"] == "Q1" for r in rows)  # nothing resembles Q2

    out = tmp_path / "out.csv"
    assert runner.invoke(_cli(), [*args, "--out", str(out)]).exit_code == 0
    with out.open(encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == screen_cmd.OUTPUT_COLUMNS


def test_cli_errors(lake_settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    nameless = _write_csv(tmp_path / "bad.csv", [{"id": "Q1", "phone": "+8613800000001"}])
    data = ["--data-dir", str(lake_settings.data_dir)]
    result = runner.invoke(_cli(), ["screen", str(nameless), *data])
    assert result.exit_code == 2 and "no 'name' column" in result.output
    good = _write_csv(tmp_path / "ok.csv", [{"id": "Q1", "name": "Li Na"}])
    empty = ["--data-dir", str(tmp_path / "empty")]
    result = runner.invoke(_cli(), ["screen", str(good), *empty])
    assert result.exit_code == 3 and "ingest parties" in result.output


def test_address_and_bank_account_tell_namesakes_apart() -> None:
    table = pa.table(
        {
            "entity_id": ["B", "C", "A"],  # A last: a tie would not put it first
            "name": ["Wang Fang", "Wang Fang", "Wang Fang"],
            "country": ["CN", "CN", "CN"],
            "bank_accounts": [["6222020200112233"], [], []],
            "addresses": [["88 Shennan Road | 518001"], [], ["12 Jiefang Road | 518000"]],
        }
    )
    index = ScreeningIndex(table, Weights())
    query = {"name": "Wang Fnag", "country": "CN", "street": "NO. 12 JIEFANG RD",
             "postcode": "518 000"}  # fmt: skip
    top = index.screen(query)[0]
    assert top.entity_id == "A"
    assert "address identical" in top.reasons
    by_bank = index.screen({"name": "Fang Wang", "bank_account": "6222 0202 0011 2233"})[0]
    assert by_bank.entity_id == "B"
    assert by_bank.reasons[0] == "bank account identical"
    assert by_bank.score > 0.5


def test_fresh_watchlist_screens_right_after_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watchlist of distinct entries, nothing else ingested, no resolve: screening works."""
    from ringfence.cli.main import app

    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path / "fresh"))
    watchlist = _write_csv(
        tmp_path / "watchlist.csv",
        [
            {
                "id": "W1",
                "name": "Oleksandr Kovalenko",
                "country": "UA",
                "schema": "Person",
                "phone": "",
            },
            {
                "id": "W2",
                "name": "Shenzhen Brightstar Trading Co., Ltd",
                "country": "CN",
                "schema": "Company",
                "phone": "+86 755 1234 5678",
            },
            {"id": "W3", "name": "Maria Rossi", "country": "IT", "schema": "Person", "phone": ""},
        ],
    )
    runner = CliRunner()
    ingested = runner.invoke(app, ["ingest", "watchlist", str(watchlist), "--org", "ipcu"])
    assert ingested.exit_code == 0, ingested.output
    queries = _write_csv(
        tmp_path / "q.csv",
        [
            {"id": "Q1", "name": "Олександр Коваленко", "schema": ""},
            {"id": "Q2", "name": "SHENZHEN BRIGHTSTAR TRADING LIMITED", "schema": ""},
            {"id": "Q3", "name": "Kovalenko, Oleksandr", "schema": "Company"},
        ],
    )
    result = runner.invoke(app, ["screen", str(queries), "--json", "--limit", "1"])
    assert result.exit_code == 0, result.output
    rows = {r["query_id"]: r for r in json.loads(result.stdout)}
    assert rows["Q1"]["name"] == "Oleksandr Kovalenko" and rows["Q1"]["watchlisted"]
    assert rows["Q1"]["score"] > 0.5
    assert rows["Q2"]["name"].startswith("Shenzhen Brightstar") and rows["Q2"]["score"] > 0.5
    assert rows["Q3"]["score"] < 0.5  # a company cannot be that person


def test_name_from_another_script_is_found_by_its_consonants() -> None:
    """Hebrew script writes few vowels ("d'gls 'dms"): no word is shared with "Douglas Adams",
    the consonants are."""
    names = ["Douglas Adams", "Douglas Hurd", "Amy Adams", "Doug Ellis", "Adam Douglas-Hume"]
    table = pa.table(
        {
            "entity_id": [f"D{i}" for i in range(len(names))],
            "schema": ["Person"] * len(names),
            "name": names,
        }
    )
    index = ScreeningIndex(table, Weights())
    top = index.screen({"name": "דאגלס אדמס", "schema": "Person"})[0]
    assert top.entity_id == "D0"
    assert "transliterated" in " ".join(top.reasons)


def test_an_entity_is_screened_under_every_name_its_records_give() -> None:
    """The watchlist's "Андрей Жуков" lost the entity's name vote to three shipping records'
    "A. Zhkov": screened exactly as listed, the name must still find its own entity."""
    table = pa.table(
        {
            "entity_id": ["W", "Z"],
            "schema": ["Person", "Person"],
            "name": ["A. Zhkov", "Ali Zhang"],
            "watchlisted": [True, False],
        }
    )
    aliases = {"W": ["A. Zhkov", "Андрей Жуков", "Andrei Zhukov"]}
    plain = ScreeningIndex(table, Weights()).screen({"name": "Андрей Жуков"})
    with_aliases = ScreeningIndex(table, Weights(), aliases=aliases)
    top = with_aliases.screen({"name": "Андрей Жуков"})[0]
    assert top.entity_id == "W" and top.name == "A. Zhkov" and top.score >= 0.5, top
    assert all(m.score < top.score for m in plain)  # its display name alone is no match
    assert with_aliases.screen({"name": "Andrei Zhukov"})[0].entity_id == "W"
    assert with_aliases.screen({"name": "Ali Zhang"})[0].entity_id == "Z"  # others unchanged


def test_aliases_come_from_the_resolved_mentions(tmp_path: Path) -> None:
    from ringfence.resolve.screen.aliases import entity_aliases

    settings = Settings(data_dir=tmp_path / "data")
    lake = Lake(settings)
    assert entity_aliases(settings) == {}  # nothing resolved yet
    lake.write_table(
        "parties",
        pa.table(
            {
                "id": ["m1", "m2", "m3", "m4"],
                "name": ["A. Zhkov", "A. Zhkov", "Андрей Жуков", "Solo Ltd"],
            }
        ),
        "test",
    )
    lake.write_table(
        "entity_mentions",
        pa.table({"entity_id": ["W", "W", "W", "S"], "mention_id": ["m1", "m2", "m3", "m4"]}),
        "test",
    )
    assert entity_aliases(settings) == {"W": ["A. Zhkov", "Андрей Жуков"]}
