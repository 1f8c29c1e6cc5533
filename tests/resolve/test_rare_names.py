"""A person's rare name written alike weighs more (comparisons._rare, model.rare_names_tf)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from splink import DuckDBAPI, Linker

from ringfence.ingest.pipeline import ingest_files
from ringfence.resolve.compare import compare_pairs
from ringfence.resolve.comparisons import PROBABILITY_FLOOR, RARE_COLUMN, RARE_MIN_U
from ringfence.resolve.model import _floor_probabilities, rare_names_tf, settings_creator
from ringfence.resolve.pipeline import resolve_parties
from ringfence.resolve.prepare import prepare_mentions
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from tests.resolve.test_prior import _register


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
    assert len(levels) == 4  # Jaro-Winkler, letters, one edit, sound
    for level, u in zip(levels, (0.0004, 0.001, 0.002, 0.02), strict=True):
        level.m_probability, level.u_probability = 0.1, u
    _floor_probabilities(linker)
    kept = [level._tf_adjustment_column for level in levels]
    assert kept == [RARE_COLUMN, RARE_COLUMN, None, None]


def test_a_rare_persons_slip_weighs_more_than_a_companys(tmp_path: Path) -> None:
    """Trained on a register of people, the same pair of spellings scores higher as two
    Person records than as two LegalEntity records, by the rare-name factor."""
    rows, _ = _register(2000)
    settings = Settings(data_dir=tmp_path / "data")
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("register", "register", "partner")
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["id", "schema", "name", "city", "birth_date", "role"])
        writer.writeheader()
        writer.writerows(rows)
    ingest_files(settings, "parties", [path], organisation="register")
    resolve_parties(settings)
    first = rows[0]["name"]
    slip = next(r["name"] for r in rows[1:4] if r["name"] != first)
    pairs = pd.DataFrame(
        [
            {"left_name": first, "right_name": slip, "left_schema": s, "right_schema": s}
            for s in ("Person", "LegalEntity")
        ]
    )
    scored = compare_pairs(settings, pairs, model="trained")
    person, company = (float(p) for p in scored["score"])

    def bits(p: float) -> float:
        return math.log2(p / (1 - p))

    lift = bits(person) - bits(company)
    assert 0.5 < lift <= math.log2(PROBABILITY_FLOOR / RARE_MIN_U) + 1e-6
