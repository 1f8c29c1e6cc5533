"""Names that differ only by a nickname share a key (names.nicknames, prepare.name_nicknames)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ringfence.resolve.names.nicknames import formal_forms, nickname_keys
from ringfence.resolve.prepare import clean_name, prepare_mentions


def _keys(name: str) -> set[str]:
    return set(nickname_keys(clean_name(name)) or ())


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("Tom Hirst", "Thomas Hirst", True),
        ("Hirst, Thomas", "tom hirst", True),  # word order and case do not matter
        ("Bill Sandford", "Willie Sandford", True),  # two nicknames of one formal name
        ("Al Jones", "Albert Jones", True),
        ("Al Jones", "Alfred Jones", True),
        ("Albert Jones", "Alfred Jones", False),  # two formal names never meet
        ("Tom Hirst", "Thomas Hurst", False),  # the other words must be the same
        ("Tom Raven Ackroyd", "Thomas Raven Ackroyd", True),
        ("Tom Hirst", "Hirst", False),
    ],
)
def test_names_that_differ_by_a_nickname_share_a_key(left: str, right: str, same: bool) -> None:
    """A shared key is exactly the nickname relation, one word at a time."""
    assert bool(_keys(left) & _keys(right)) is same


def test_a_name_without_a_known_word_has_no_key() -> None:
    """Words the table does not know give no key (an empty level, never a match on nothing)."""
    assert formal_forms("zzqx") == frozenset()
    assert nickname_keys("qqzx zzqx") is None
    assert nickname_keys(None) is None and nickname_keys("") is None


def test_only_peoples_names_get_keys() -> None:
    """A company's "Bill's Autos" is no "William's Autos"; unknown schema neither."""
    cleaned = prepare_mentions(
        pa.table(
            {
                "id": ["p", "c", "n", "e"],
                "schema": ["Person", "Company", None, "Person"],
                "name": ["Bill Sandford", "Bill Sandford", "Bill Sandford", None],
            }
        )
    )
    keys = cleaned.column("name_nicknames").to_pylist()
    assert "sandford william" in keys[0]
    assert keys[1:] == [None, None, None]


@pytest.mark.parametrize(
    ("left", "right", "schema", "same"),
    [
        ("Bill Smith", "William Smith", "Person", True),
        ("Bob Dylan", "Robert Dylan", None, True),  # unknown schema: may be a person
        ("Albert Smith", "Alfred Smith", "Person", False),  # two formal names
        ("Bill Smith", "William Smithson", "Person", False),  # the surname must agree too
        ("Bill Holdings Ltd", "William Holdings Ltd", "Company", False),  # no person's name
    ],
)
def test_screening_reads_a_nickname_as_the_given_name(
    left: str, right: str, schema: str | None, same: bool
) -> None:
    """compare-parties' and screening's name judgement (similarity.word_sim): a nickname in a
    person's name is its formal name written otherwise, not a different name."""
    from ringfence.resolve.names import compare_names

    judged = compare_names(left, right, schema, schema)
    assert (judged.probability >= 0.5) is same
    # The reason says why two different words count as one given name; never for two formal
    # names or a company's.
    if same:
        assert "(nickname)" in judged.reason
    if left.startswith("Albert") or schema == "Company":
        assert "nickname" not in judged.reason
