"""FollowTheMoney in: entities become party rows (every value kept), relationships become party
links and network links, bad lines are quarantined with reasons, and an export read back gives
the same entities and links."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ringfence.ingest.pipeline import ingest_files
from ringfence.ingest.quarantine import quarantined_rows
from ringfence.resolve.network.export import export_ftm
from ringfence.resolve.network.load import load_network
from ringfence.resolve.network.paths import relation_text
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.screen.index import ScreeningIndex
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake

ENTITIES: list[dict[str, Any]] = [
    {
        "id": "p-1",
        "schema": "Person",
        "properties": {
            "name": ["Ivan Petrov"],
            "alias": ["Иван Петров", "I. Petrov"],
            "phone": ["+7 495 123 4567"],
            "country": ["ru"],
            "innCode": ["7707083893"],
            "addressEntity": ["addr-1"],
            "email": ["ivan@example.ru"],
        },
    },
    {
        "id": "addr-1",
        "schema": "Address",
        "properties": {
            "street": ["ul. Tverskaya 1"],
            "city": ["Moscow"],
            "postalCode": ["125009"],
            "country": ["ru"],
        },
    },
    {
        "id": "c-1",
        "schema": "Company",
        "properties": {
            "name": ["Petrov Trading OOO"],
            "registrationNumber": ["1027700132195"],
            "jurisdiction": ["ru"],
        },
    },
    {"id": "acc-1", "schema": "BankAccount", "properties": {"iban": ["DE89370400440532013000"]}},
    {"id": "own-acc", "schema": "Ownership", "properties": {"owner": ["c-1"], "asset": ["acc-1"]}},
    {
        "id": "own-1",
        "schema": "Ownership",
        "properties": {"owner": ["p-1"], "asset": ["c-1"], "role": ["shareholder"]},
    },
    {
        "id": "o-1",
        "schema": "Organization",
        "properties": {
            "name": ["Shadow Brands Network"],
            "country": ["cn"],
            "phone": ["not a phone"],
        },
    },
    {
        "id": "d-1",
        "schema": "Directorship",
        "properties": {"director": ["p-1"], "organization": ["o-1"]},
    },
    {"id": "v-1", "schema": "Vessel", "properties": {"name": ["Sea Star"]}},
]
BAD_LINES = [
    "this is not json",
    json.dumps({"id": "x-1", "schema": "NoSuchSchema", "properties": {}}),
    json.dumps({"schema": "Person", "properties": {"name": ["No Id"]}}),
]


def _write(path: Path, entities: list[dict[str, Any]], bad: Sequence[str] = ()) -> Path:
    lines = [json.dumps(e, ensure_ascii=False) for e in entities]
    lines[3:3] = list(bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    lake, engine = Lake(settings), open_engine(settings)
    try:
        for name in ("parties", "watchlist", "party_links", "entity_mentions"):
            lake.register(engine, name)
        return engine.query(sql).to_pylist()
    finally:
        engine.close()


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_an_ftm_watchlist_keeps_every_value_and_link(settings: Settings, tmp_path: Path) -> None:
    """Each name, phone, identifier, address and bank account of an entity lands in a row;
    the extra rows are tied to the first by same_as; relationships become party links."""
    path = _write(tmp_path / "list.ftm.jsonl", ENTITIES, BAD_LINES)
    summary = ingest_files(settings, "watchlist", [path], organisation="ipr-center")
    entries, links = summary.files
    assert (entries.feed, links.feed) == ("watchlist", "party_links")
    assert entries.rows_read == 5 + len(BAD_LINES) and entries.accepted == 5
    assert entries.quarantined == len(BAD_LINES) and links.quarantined == 0
    assert any("Vessel (1)" in w for w in entries.warnings)
    rows = {r["source_key"]: r for r in _rows(settings, "SELECT * FROM watchlist")}
    assert sorted(rows) == ["c-1", "o-1", "p-1", "p-1#2", "p-1#3"]
    assert {rows[k]["name"] for k in ("p-1", "p-1#2", "p-1#3")} == {
        "Ivan Petrov",
        "Иван Петров",
        "I. Petrov",
    }
    first = rows["p-1"]
    assert (first["phone"], first["identifier"], first["email"]) == (
        "+74951234567",
        "7707083893",
        "ivan@example.ru",
    )
    assert (first["street"], first["city"], first["postcode"], first["country"]) == (
        "ul. Tverskaya 1",
        "Moscow",
        "125009",
        "RU",
    )
    assert rows["c-1"]["bank_account"] == "DE89370400440532013000"
    assert rows["o-1"]["phone"] is None  # an unusable phone is a field problem, not a lost row
    assert entries.field_problems == 1
    stated = {
        (r["party"], r["other_party"], r["kind"], r["role"])
        for r in _rows(settings, "SELECT * FROM party_links")
    }
    assert stated == {
        ("p-1", "c-1", "ownership", "shareholder"),
        ("p-1", "o-1", "directorship", None),
        ("p-1", "p-1#2", "same_as", None),
        ("p-1", "p-1#3", "same_as", None),
    }


def test_malformed_ftm_lines_are_quarantined_with_their_reason(
    settings: Settings, tmp_path: Path
) -> None:
    path = _write(tmp_path / "list.ftm.jsonl", ENTITIES, BAD_LINES)
    ingest_files(settings, "parties", [path], organisation="ipr-center")
    found = quarantined_rows(settings, file=path.name, kind="row")
    reasons = {r["source_row"]: r["problems"][0]["reason"] for r in found}
    assert sorted(reasons) == [4, 5, 6]
    assert reasons[4].startswith("not valid JSON")
    assert "NoSuchSchema" in reasons[5] and "'id'" in reasons[6]


def test_ingest_is_idempotent_and_resolution_keeps_aliases_together(
    settings: Settings, tmp_path: Path
) -> None:
    path = _write(tmp_path / "list.ftm.jsonl", ENTITIES)
    ingest_files(settings, "watchlist", [path], organisation="ipr-center")
    again = ingest_files(settings, "watchlist", [path], organisation="ipr-center")
    assert sum(f.accepted for f in again.files) == 0
    resolve_parties(settings)
    mentions = _rows(
        settings,
        (
            "SELECT p.source_key, em.entity_id FROM parties p "
            "JOIN entity_mentions em ON em.mention_id = p.id"
        ),
    )
    entity = {r["source_key"]: r["entity_id"] for r in mentions}
    assert entity["watchlist:p-1"] == entity["watchlist:p-1#2"] == entity["watchlist:p-1#3"]
    assert len(set(entity.values())) == 3
    # A fresh FtM list screens right after resolve, through any of an entity's names.
    top = ScreeningIndex.load(settings).screen({"name": "Иван Петров", "country": "RU"})[0]
    assert top.entity_id == entity["watchlist:p-1"]


def test_stated_relations_are_network_links_with_words(settings: Settings, tmp_path: Path) -> None:
    path = _write(tmp_path / "list.ftm.jsonl", ENTITIES)
    ingest_files(settings, "parties", [path], organisation="ipr-center")
    resolve_parties(settings)
    engine = open_engine(settings)
    try:
        network = load_network(settings, engine)
    finally:
        engine.close()
    links = network.graph.links.to_pylist()
    names = dict(
        zip(
            network.entities.column("entity_idx").to_pylist(),
            network.entities.column("name").to_pylist(),
            strict=True,
        )
    )
    related = {
        (names[r["src"]], names[r["dst"]], r["value"]) for r in links if r["kind"] == "relation"
    }
    petrov = next(n for n in names.values() if "Petrov" in n and "Trading" not in n)
    assert related == {
        (petrov, "Petrov Trading OOO", "ownership"),
        (petrov, "Shadow Brands Network", "directorship"),
    }
    assert relation_text("ownership", False, petrov) == f"is owned by {petrov}"


def _entity_sets(
    path: Path,
) -> tuple[set[frozenset[str]], set[tuple[str, frozenset[str], frozenset[str]]]]:
    """Entities as their name sets, and links as (schema, source names, target names)."""
    entities = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    names = {e["id"]: frozenset(e["properties"].get("name", [])) for e in entities}
    from followthemoney import model

    schemata = {e["id"]: model.get(e["schema"]) for e in entities}
    parties = {names[i] for i, schema in schemata.items() if schema and schema.is_a("LegalEntity")}
    links = set()
    for e in entities:
        schema = schemata[e["id"]]
        if schema and schema.edge and schema.edge_source and schema.edge_target:
            src = e["properties"][schema.edge_source][0]
            dst = e["properties"][schema.edge_target][0]
            links.add((e["schema"], names.get(src, frozenset()), names.get(dst, frozenset())))
    return parties, links


def test_ftm_round_trip_gives_the_same_entities_and_links(tmp_path: Path) -> None:
    """Export, ingest the export elsewhere, resolve, export again: same entities and links;
    every exported line validates against the FtM model."""
    from followthemoney import model

    first = Settings(data_dir=tmp_path / "first")
    ingest_files(
        first, "parties", [_write(tmp_path / "in.ftm.jsonl", ENTITIES)], organisation="ipr-center"
    )
    resolve_parties(first)
    export_ftm(first, tmp_path / "one.ftm.jsonl")
    second = Settings(data_dir=tmp_path / "second")
    ingest_files(second, "parties", [tmp_path / "one.ftm.jsonl"], organisation="customs-nl")
    resolve_parties(second)
    export_ftm(second, tmp_path / "two.ftm.jsonl")
    one, two = _entity_sets(tmp_path / "one.ftm.jsonl"), _entity_sets(tmp_path / "two.ftm.jsonl")
    assert one == two
    parties, links = one
    assert len(parties) == 3 and {s for s, _, _ in links} == {"Ownership", "Directorship"}
    for line in (tmp_path / "two.ftm.jsonl").read_text(encoding="utf-8").splitlines():
        model.get_proxy(json.loads(line), cleaned=False)  # raises on an invalid entity
