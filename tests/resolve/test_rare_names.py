"""A person's rare name and rare words weigh more (comparisons._rare, model.rare_names_tf,
prepare.common_words); a word written alike (comparisons.WordAlike)."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from splink import DuckDBAPI, Linker

from ringfence.resolve.compare import compare_pairs
from ringfence.resolve.comparisons import PROBABILITY_FLOOR, RARE_COLUMN, RARE_MIN_U, WordAlike
from ringfence.resolve.model import (
    _floor_probabilities,
    model_dir,
    rare_names_tf,
    settings_creator,
)
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.prepare import common_words, mark_rare_words, prepare_mentions
from ringfence.settings import Settings
from tests.resolve.test_prior import _register, ingest_register


def test_only_people_have_a_rare_name() -> None:
    """Company and unknown-schema names follow templates; only a Person's name is weighed
    by its rarity."""
    cleaned = prepare_mentions(
        pa.table(
            {
                "id": ["p", "c", "l", "n"],
                "schema": ["Person", "Company", "LegalEntity", None],
                "name": ["Ada Lovelace", "Shenzhen Xinda E-Commerce Co.", "Ada Lovelace", "Ada"],
            }
        )
    )
    people = cleaned.column(RARE_COLUMN).to_pylist()
    assert people[0] == cleaned.column("name_letters")[0].as_py() and people[0]
    assert people[1:] == [None, None, None]


def test_frequencies_stop_at_the_floor() -> None:
    """A name as common as the floor or more is not weighed down below the level's own u; a
    rarer one keeps its frequency; companies' names are not counted at all."""
    names = ["Ada Lovelace"] * 3 + [f"Person {i:04d}" for i in range(1997)]
    cleaned = prepare_mentions(
        pa.table(
            {
                "id": [str(i) for i in range(2001)],
                "schema": ["Person"] * 2000 + ["Company"],
                "name": [*names, "Ada Lovelace"],
            }
        )
    )
    table = rare_names_tf(cleaned).to_pandas().set_index(RARE_COLUMN)[f"tf_{RARE_COLUMN}"]
    ada = prepare_mentions(pa.table({"id": ["a"], "name": ["Ada Lovelace"]}))
    assert table[ada.column("name_letters")[0].as_py()] == PROBABILITY_FLOOR  # 3 / 2000, capped
    assert table.min() == pytest.approx(1 / 2000)  # the company's copy not among the 2000
    people = set(cleaned.column("name_letters").to_pylist()[:2000])
    assert set(table.index) == people
    assert table.max() == PROBABILITY_FLOOR


def _rare_levels(linker: Linker) -> list:
    name = next(c for c in linker._settings_obj.comparisons if c.output_column_name == "name")
    return [lv for lv in name.comparison_levels if lv._tf_adjustment_column == RARE_COLUMN]


def test_a_level_commoner_than_the_floor_loses_the_adjustment() -> None:
    """The table stops at the floor, so above it every name would be weighed up: such a level
    (a sound key shared by many) keeps its plain weight."""
    cleaned = prepare_mentions(pa.table({"id": ["a", "b"], "name": ["Ann Lee", "Bo Chan"]}))
    linker = Linker(DuckDBAPI().register(cleaned), settings_creator(), log_level=None)
    levels = _rare_levels(linker)
    assert len(levels) == 5  # Jaro-Winkler, letters, one edit, sound, nickname
    for level, u in zip(levels, (0.0004, 0.001, 0.002, 0.02, 0.0005), strict=True):
        level.m_probability, level.u_probability = 0.1, u
    _floor_probabilities(linker)
    kept = [level._tf_adjustment_column for level in levels]
    assert kept == [RARE_COLUMN, RARE_COLUMN, None, None, RARE_COLUMN]


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[dict[str, str]]]:
    """A register of 2,000 people (random surnames, nine given names) ingested and resolved."""
    rows, _ = _register(2000)
    settings = ingest_register(tmp_path_factory.mktemp("register"), rows)
    resolve_parties(settings)
    return settings, rows


def _compare(settings: Settings, left: str, right: str) -> pd.DataFrame:
    pairs = pd.DataFrame(
        [
            {"left_name": left, "right_name": right, "left_schema": s, "right_schema": s}
            for s in ("Person", "LegalEntity")
        ]
    )
    return compare_pairs(settings, pairs, model="trained")


def _bits(p: float) -> float:
    return math.log2(p / (1 - p))


def test_a_rare_persons_slip_weighs_more_than_a_companys(
    register: tuple[Settings, list[dict[str, str]]],
) -> None:
    """Trained on a register of people, the same pair of spellings scores higher as two
    Person records than as two LegalEntity records, by the rare-name factor."""
    settings, rows = register
    first = rows[0]["name"]
    slip = next(r["name"] for r in rows[1:4] if r["name"] != first)
    person, company = (float(p) for p in _compare(settings, first, slip)["score"])
    lift = _bits(person) - _bits(company)
    assert 0.5 < lift <= math.log2(PROBABILITY_FLOOR / RARE_MIN_U) + 1e-6


def test_a_shared_rare_word_of_a_persons_name_weighs_more_than_a_common_one(
    register: tuple[Settings, list[dict[str, str]]],
) -> None:
    """A surname seen a few times in 6,000 names shared with another given name: "shares a
    rare word" for people (saved common words, compare-parties as resolve); a given name
    everybody has, or a company's name, only "shares a word"."""
    settings, rows = register
    surname = rows[0]["name"].split()[1]
    assert (model_dir(settings) / "common_words.parquet").is_file()
    rare = _compare(settings, f"anna {surname}", f"jonas {surname}")
    common = _compare(settings, "anna zzqx", "anna qqzx")
    assert [r.split(" (")[0] for r in rare["reasons"]] == [
        "name shares a rare word",
        "name shares a word",
    ]
    assert common["reasons"][0].startswith("name shares a word (")
    assert _bits(float(rare["score"][0])) > _bits(float(rare["score"][1])) + 2


def test_a_nickname_of_a_persons_name_is_the_same_name(
    register: tuple[Settings, list[dict[str, str]]],
) -> None:
    """"peggy <surname>" / "margaret <surname>": for people "same but for a nickname", well above
    "shares a word", which is all a company's pair gets; "albert" is no nickname of "alfred"."""
    settings, rows = register
    surname = rows[0]["name"].split()[1]
    nick = _compare(settings, f"peggy {surname}", f"margaret {surname}")
    other = _compare(settings, f"albert {surname}", f"alfred {surname}")
    assert [r.split(" (")[0] for r in nick["reasons"]] == [
        "name same but for a nickname",
        "name shares a word",
    ]
    assert not other["reasons"][0].startswith("name same but for a nickname")
    assert _bits(float(nick["score"][0])) > _bits(float(nick["score"][1])) + 2


def test_common_words_are_those_of_many_people() -> None:
    """Words are counted once per name and only among people; a company's words are never
    rare (its ``name_rare_words`` stays empty)."""
    names = ["james leaf", "james leaf", "herbie leaf"] + [f"james x{i}" for i in range(97)]
    table = prepare_mentions(
        pa.table(
            {
                "id": [str(i) for i in range(101)],
                "schema": ["Person"] * 100 + ["Company"],
                "name": [*names, "Leaf Holdings"],
            }
        )
    )
    common = common_words(table, share=0.05)  # more than 5 of the 100 people
    assert common.to_pylist() == ["james"]
    marked = mark_rare_words(table, common).column("name_rare_words").to_pylist()
    assert marked[0] == ["leaf"] and marked[2] == ["herbie", "leaf"]
    assert marked[100] is None


@pytest.mark.parametrize(
    ("left", "right", "alike"),
    [
        ("elizabeth bartel", "emam bartrl", True),  # a surname with a typed letter
        ("lukar rees", "leah reecs", True),
        ("li wei", "lu ming", False),  # short words one letter apart are not alike
        ("anna kowalska", "jonas berg", False),
        (None, "jonas berg", False),  # no name (Splink's null level decides first anyway)
    ],
)
def test_a_word_written_alike(left: str | None, right: str | None, alike: bool) -> None:
    """The name level after "shares a word's sound": some word of each person's name at
    Jaro-Winkler >= 0.9 (FEBRL's "bartel" / "bartrl", whose sounds differ)."""
    condition = WordAlike().get_comparison_level("duckdb").sql_condition
    # A person's pair as the case says; a company's never (its names follow templates).
    assert name_level_holds(condition, left, right, ("Person", "Company")) == [alike, False]


def name_level_holds(
    condition: str, left: str | None, right: str | None, schemas: tuple[str, ...]
) -> list[bool]:
    """Whether a name level's DuckDB ``condition`` holds for the two names, cleaned as
    resolution cleans them, written once as each of ``schemas``."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE p (name_words_l VARCHAR[], name_words_r VARCHAR[], "
        f"{RARE_COLUMN}_l VARCHAR, {RARE_COLUMN}_r VARCHAR)"
    )
    for schema in schemas:
        words = prepare_mentions(
            pa.table({"id": ["l", "r"], "name": [left, right], "schema": [schema, schema]})
        )
        con.execute(
            "INSERT INTO p VALUES (?, ?, ?, ?)",
            words.column("name_words").to_pylist() + words.column(RARE_COLUMN).to_pylist(),
        )
    return [bool(row[0]) for row in con.execute(f"SELECT {condition} FROM p").fetchall()]
