"""Dates of birth: cleaned at ingestion (whole or partial), compared by resolution, explained."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from ringfence.model import types
from ringfence.model.types import InvalidValue
from ringfence.resolve.comparisons import birth_date, comparisons
from ringfence.resolve.explain import LEVEL_WORDS
from ringfence.resolve.prepare import prepare_mentions


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("1956-09-09", "1956-09-09"),
        ("19560909", "1956-09-09"),
        ("1956-09", "1956-09"),
        ("1956", "1956"),
        ("0500-01-01", "0500-01-01"),
    ],
)
def test_birth_dates_whole_or_partial_are_kept_as_iso_text(raw: str, clean: str) -> None:
    assert types.registry["birth_date"].clean(raw) == clean


@pytest.mark.parametrize("raw", ["19561339", "1956-13", "abc", "0000", "2200-01-01"])
def test_a_birth_date_that_is_no_date_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidValue):
        types.registry["birth_date"].clean(raw)


def test_a_hint_reads_a_local_format() -> None:
    assert types.registry["birth_date"].clean("09/09/1956", "%d/%m/%Y") == "1956-09-09"


def test_prepare_passes_the_birth_date_and_treats_a_missing_column_as_empty() -> None:
    with_dates = prepare_mentions(pa.table({"id": ["a", "b"], "birth_date": ["1956-09", None]}))
    assert with_dates.column("birth_date").to_pylist() == ["1956-09", None]
    without = prepare_mentions(pa.table({"id": ["a"], "name": ["Ann Lee"]}))
    assert without.column("birth_date").to_pylist() == [None]


def _gammas(pairs: list[tuple[str | None, str | None]]) -> list[int]:
    """The birth-date comparison's level (Splink's gamma: else 0, null -1) for each pair."""
    levels = birth_date().get_comparison("duckdb").comparison_levels
    con = duckdb.connect()
    con.execute("CREATE TABLE p (birth_date_l VARCHAR, birth_date_r VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", pairs)
    top = len(levels) - 2  # levels without the null one, counted down to 0
    cases = " ".join(
        f"WHEN {level.sql_condition} THEN {-1 if level.is_null_level else top - i + 1}"
        for i, level in enumerate(levels)
        if not level._is_else_level
    )
    return [row[0] for row in con.execute(f"SELECT CASE {cases} ELSE 0 END FROM p").fetchall()]


def test_birth_date_levels_from_exact_to_differs() -> None:
    gammas = _gammas(
        [
            ("1971-06-24", "1971-06-24"),  # exact
            ("1971-06-24", "1971-05-24"),  # one character apart
            ("1971-06-24", "1971-07-20"),  # within a month
            ("1971-06-24", "1972-03-01"),  # within a year
            ("1971", "1971-06-24"),  # the same year (a partial date)
            ("1982-07-18", "1992-07-19"),  # two characters apart
            ("1991-04-12", "2001-04-09"),  # within ten years (a decade digit, a day off)
            ("1971-06-24", "1985-01-01"),  # differs
            (None, "1971-06-24"),  # unknown
        ]
    )
    assert gammas == [7, 6, 5, 4, 3, 2, 1, 0, -1]


def test_every_level_has_its_words_in_the_reasons() -> None:
    for comparison in comparisons():
        built = comparison.get_comparison("duckdb")  # type: ignore[union-attr]
        levels = [level for level in built.comparison_levels if not level.is_null_level]
        assert len(LEVEL_WORDS[built.output_column_name]) == len(levels), built.output_column_name


def test_a_renamed_person_born_the_same_day_is_a_candidate_pair() -> None:
    """The sorted pass on the date of birth pairs writings that share no name key or place."""
    from ringfence.resolve.blocking import _sorted_neighbourhood

    parties = pa.table(
        {
            "id": ["a", "b", "c"],
            "name": [
                "Thomas Clifford, 1st Baron Clifford of Chudleigh",
                "Tom Chudleigh",
                "Ann Lee",
            ],
            "city": ["Devon", "Exeter", "Leeds"],
            "birth_date": ["1630-08-01", "1630-08-01", "1701-02-03"],
        }
    )

    def pairs(table: pa.Table) -> set[tuple[int, int]]:
        found = _sorted_neighbourhood(prepare_mentions(table))
        a, b = found.column("a").to_pylist(), found.column("b").to_pylist()
        return {(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)}

    assert pairs(parties) == {(0, 1)}
    assert pairs(parties.drop_columns(["birth_date"])) == set()


def test_compare_parties_weighs_the_date_of_birth_with_no_data_ingested(tmp_path: Path) -> None:
    import pandas as pd

    from ringfence.resolve.compare import compare_pairs
    from ringfence.settings import Settings

    rows = [
        ("1971-06-24", "1971-06-24"),  # identical
        (None, None),  # unknown
        ("1971", "1971-06-24"),  # agrees as far as known
        ("1971-06-24", "1985-01-01"),  # differs
        ("1971-06-24", "24 June 1971"),  # not a date: left out, with a note
    ]
    frame = pd.DataFrame(
        {
            "left_name": "Robert Allen",
            "right_name": "Rob Allen",
            "left_birth_date": [a for a, _ in rows],
            "right_birth_date": [b for _, b in rows],
        }
    )
    scored = compare_pairs(Settings(data_dir=tmp_path), frame)
    same, unknown, partial, differs, bad = scored["score"].tolist()
    assert same > partial > unknown > differs
    assert bad == unknown
    assert "date of birth identical" in scored["reasons"][0]
    assert "right birth_date not used" in scored["reasons"][4]
    assert scored["error"].tolist() == [""] * 5
