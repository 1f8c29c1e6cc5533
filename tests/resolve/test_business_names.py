"""Businesses as two guides write them (Fodor's / Zagat): fillers and street types fold away,
an address is a street in a town where there is no postcode, and one organisation's name
within the other's is a level of its own (comparisons.NameWithin)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from splink.internals.dialects import SplinkDialect

from ringfence.resolve.comparisons import NameWithin, comparisons
from ringfence.resolve.explain import LEVEL_WORDS
from ringfence.resolve.prepare import clean_name, clean_street, prepare_mentions
from tests.resolve.test_rare_names import name_level_holds


def test_fillers_fold_away_but_never_the_whole_name() -> None:
    assert clean_name("Pano's and Paul's") == clean_name("Pano's & Paul's") == "panos pauls"
    assert clean_name("The Palm") == clean_name("Palm, The") == "palm"
    assert clean_name("Müller und Söhne") == clean_name("Müller & Söhne")
    assert clean_name("The") == "the" and clean_name("And The") == "and the"


def test_street_types_fold_away() -> None:
    assert clean_street("12224 Ventura Blvd.") == clean_street("12224 Ventura Boulevard")
    assert clean_street("3130 Piedmont Road") == clean_street("3130 piedmont rd.")
    assert clean_street("67 N. Raymond Ave.") == clean_street("67 n raymond avenue")
    # A street named by its type words alone keeps them: 12 Court Road is not 12 Place Street.
    assert clean_street("12 Court Road") != clean_street("12 Place Street")
    assert clean_street("No. 236") == "236"
    # Directions stay: 100 North Main and 100 South Main are two buildings.
    assert clean_street("100 N Main St") != clean_street("100 S Main St")


def test_directions_are_written_one_way() -> None:
    assert clean_street("8358 Sunset Blvd. West") == clean_street("8358 Sunset Blvd. W.")
    assert clean_street("100 North Main Street") == clean_street("100 N. Main St.")
    assert clean_street("200 Ocean Ave Southwest") == clean_street("200 Ocean Avenue SW")
    assert clean_street("100 West Main St") != clean_street("100 East Main St")
    # A direction that is the street's name stays a word: "12 North Road" keeps its name
    # (not "12 n", which a street named N, or any initial, would equal).
    assert clean_street("12 North Road") == "12 north"
    assert clean_street("West Street") == "west"


def test_an_address_is_a_street_in_a_town_where_there_is_no_postcode() -> None:
    cleaned = prepare_mentions(
        pa.table(
            {
                "id": ["a", "b", "c", "d"],
                "schema": ["Company"] * 4,
                "name": ["Campanile", "Campanile", "Campanile", "Campanile"],
                "street": ["624 S. La Brea Ave.", "624 s la brea avenue", "624 S. La Brea", None],
                "city": ["Los Angeles", "los angeles", "Pasadena", "Los Angeles"],
                "postcode": [None, None, None, None],
                "country": ["US", "US", "US", "US"],
            }
        )
    )
    keys = cleaned.column("address_key").to_pylist()
    assert keys[0] == keys[1] and keys[0] is not None  # one street, one town
    assert keys[2] != keys[0]  # the same street in another town is another address
    assert keys[3] is None  # a town alone is no address
    with_postcode = prepare_mentions(
        pa.table({"id": ["e"], "name": ["Campanile"], "street": ["624 S. La Brea Ave."],
                  "city": ["Los Angeles"], "postcode": ["90036"], "country": ["US"]})
    )  # fmt: skip
    assert with_postcode.column("address_key").to_pylist() == ["624 brea la s|90036"]


@pytest.mark.parametrize(
    ("left", "right", "within"),
    [
        ("Four Seasons", "Four Seasons Grill Room", True),
        ("Spago (Los Angeles)", "Spago", True),
        ("The Palm", "Palm, The (Los Angeles)", True),
        ("Acme Trading Ltd", "ACME TRADING LIMITED", True),
        ("Shun Lee West", "Shun Lee Palace", False),
        ("Four Seasons", "Four Star Diner", False),
        ("Le Montrachet", "Montrachet", True),
    ],
)
def test_one_organisations_name_within_the_others(left: str, right: str, within: bool) -> None:
    """The name level after the nickname level: every word of the shorter name is a word of
    the longer, for organisations only (a person's first name alone is within their full
    name, and the word levels weigh that)."""
    condition = NameWithin().get_comparison_level("duckdb").sql_condition
    assert name_level_holds(condition, left, right, ("Company", "Person")) == [within, False]


def test_the_level_speaks_spark_and_has_its_words() -> None:
    """Spark's condition uses Spark's array functions (DuckDB's are not Spark SQL), and the
    reasons name the level in the model's order."""
    spark = NameWithin().create_sql(SplinkDialect.from_string("spark"))
    assert "array_intersect(name_words_l, name_words_r)" in spark and "list_" not in spark
    name = comparisons()[0].get_comparison("duckdb")
    assert name.output_column_name == "name"
    levels = [level.label_for_charts for level in name.comparison_levels[1:]]  # null: no words
    words = LEVEL_WORDS["name"]
    assert len(levels) == len(words)
    at = levels.index("One organisation's name within the other's")
    assert words[at] == "name within the other"
