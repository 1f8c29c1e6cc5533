"""Candidate generation: the record-neighbour pass, its per-record cap, the name-sound passes."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ringfence.resolve import records, tokens
from ringfence.resolve.blocking import all_candidate_pairs
from ringfence.resolve.prepare import prepare_mentions

# FEBRL3's kind of duplicate: another first name, a transposed identifier and a street typo.
ORIGINAL = ("Tom Gillard", "62 Matina Sntreet", "4107", "Ascotp Ark", "9491843")
DUPLICATE = ("Frgh Hoffman", "62 Matina", "4107", "Ascot Park", "9419843")
# More strangers than a sorted pass compares in full, their identifiers between the two.
FIRST = ["Amy", "Jack", "Joel", "Bianca", "Flynn", "Kayne", "Ebony", "Zachary"]
LAST = ["Ryan", "Broadby", "Weller", "Matthews", "Rollins"]
STRANGERS = [
    (
        f"{first} {last}",
        f"{n} Street {n * 7}",
        f"{2000 + 37 * n}",
        f"Town {n}",
        f"{9420000 + 1500 * n}",
    )
    for n, (first, last) in enumerate(((f, s) for f in FIRST for s in LAST), start=1)
]


def _table(rows: list[tuple[str, ...]], countries: list[str | None]) -> pa.Table:
    names, streets, postcodes, cities, identifiers = (list(c) for c in zip(*rows, strict=True))
    return prepare_mentions(
        pa.table(
            {
                "id": [f"r{i}" for i in range(len(rows))],
                "schema_": ["Person"] * len(rows),
                "name": names,
                "street": streets,
                "postcode": postcodes,
                "city": cities,
                "identifier": identifiers,
                "country": pa.array(countries, pa.string()),
            }
        )
    )


def _pairs(table: pa.Table) -> set[tuple[str, str]]:
    found = all_candidate_pairs(table)
    return set(zip(found.column("id_l").to_pylist(), found.column("id_r").to_pylist(), strict=True))


def test_a_renamed_record_with_typos_is_compared_and_strangers_are_not_all() -> None:
    table = _table([ORIGINAL, DUPLICATE, *STRANGERS], ["AU"] * (2 + len(STRANGERS)))
    assert ("r0", "r1") in _pairs(table)
    near = records.record_neighbour_pairs(table)
    assert {(0, 1), (1, 0)} & set(zip(near["a"].to_pylist(), near["b"].to_pylist(), strict=True))


def test_without_the_record_pass_the_pair_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table([ORIGINAL, DUPLICATE, *STRANGERS], ["AU"] * (2 + len(STRANGERS)))
    monkeypatch.setattr(records, "MAX_RECORDS", 0)  # cap 0: the pass is skipped
    assert ("r0", "r1") not in _pairs(table)


def test_a_record_with_nothing_to_compare_leaves_the_others_in_place() -> None:
    """A mention whose name cleans to nothing ("???") and has no other field: the record pass
    still pairs the others by their own rows (a null-skipping join dropped its row, so every
    later text sat one row early and resolution failed with an Arrow length error)."""
    empty = ("???", None, None, None, None)
    rows = [ORIGINAL, empty, DUPLICATE, *STRANGERS]
    table = _table(rows, [None, None, *["AU"] * (1 + len(STRANGERS))])
    texts = records.record_texts(table)
    assert len(texts) == len(rows) and texts[1].as_py() is None
    assert texts[2].as_py().startswith("frgh hoffman")
    near = records.record_neighbour_pairs(table)
    found = set(zip(near["a"].to_pylist(), near["b"].to_pylist(), strict=True))
    assert {(0, 2), (2, 0)} & found and not any(1 in pair for pair in found)
    assert ("r0", "r2") in _pairs(table)


def test_a_record_without_a_country_is_compared_with_every_country() -> None:
    countries = [None, "AU", *(["NZ"] * len(STRANGERS))]
    pairs = records.record_neighbour_pairs(_table([ORIGINAL, DUPLICATE, *STRANGERS], countries))
    assert (0, 1) in set(zip(pairs["a"].to_pylist(), pairs["b"].to_pylist(), strict=True))
    # ... while two records of different countries are not record neighbours.
    pairs = records.record_neighbour_pairs(
        _table([ORIGINAL, DUPLICATE, *STRANGERS], ["NZ", "AU", *(["NZ"] * len(STRANGERS))])
    )
    assert not {(0, 1), (1, 0)} & set(
        zip(pairs["a"].to_pylist(), pairs["b"].to_pylist(), strict=True)
    )


def test_the_cap_shares_the_budget_within_its_bounds_and_stops_over_max_records() -> None:
    assert records.neighbour_cap(10) == records.MAX_NEIGHBOURS
    assert records.neighbour_cap(records.PAIR_BUDGET // 20) == 20
    many = records.PAIR_BUDGET // records.MIN_NEIGHBOURS * 2  # an even share would be 5
    assert records.neighbour_cap(many) == records.MIN_NEIGHBOURS
    assert records.neighbour_cap(records.MAX_RECORDS) == records.MIN_NEIGHBOURS
    assert records.neighbour_cap(records.MAX_RECORDS + 1) == 0


def test_copies_of_one_record_are_chained_not_paired_all_with_all() -> None:
    rows = [ORIGINAL] * 10 + [DUPLICATE]
    pairs = records.record_neighbour_pairs(_table(rows, ["AU"] * len(rows)))
    assert pairs.num_rows < 10 * 9 / 2
    linked = {a for a in pairs["a"].to_pylist()} | {b for b in pairs["b"].to_pylist()}
    assert linked == set(range(len(rows)))


def test_over_the_budget_the_pass_is_skipped_before_building_texts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [ORIGINAL, DUPLICATE, *STRANGERS]
    table = _table(rows, ["AU"] * len(rows))
    monkeypatch.setattr(records, "MAX_RECORDS", len(rows) - 1)  # fewer than the distinct records
    assert records.more_records_than_budget(table)
    monkeypatch.setattr(records, "record_texts", lambda _t: pytest.fail("texts were built"))
    assert records.record_neighbour_pairs(table).num_rows == 0
    copies = _table([ORIGINAL] * (len(rows) + 5), ["AU"] * (len(rows) + 5))
    assert not records.more_records_than_budget(copies)  # many rows, one distinct record


def _people(rows: list[tuple[str, str | None, str | None]]) -> pa.Table:
    """Person records: name, birth date, city (no postcode, identifier or country)."""
    names, dates, cities = (list(c) for c in zip(*rows, strict=True))
    return prepare_mentions(
        pa.table(
            {
                "id": [f"p{i:03d}" for i in range(len(rows))],
                "schema_": ["Person"] * len(rows),
                "name": names,
                "birth_date": pa.array(dates, pa.string()),
                "city": pa.array(cities, pa.string()),
            }
        )
    )


def test_a_nickname_with_nothing_else_shared_is_compared_by_the_sound_passes() -> None:
    # Surname alike, first name a nickname, the birth date missing on one side, other towns.
    rows = [("Thomas Warden", "1852-01-01", "Kingston"), ("Tom Warden", None, "Surbiton")]
    rows += [(f"{first} {last}", None, f"Town {n}") for n, (first, last) in enumerate(
        (f, s) for f in FIRST for s in LAST)]  # fmt: skip
    table = _people(rows)
    assert ("p000", "p001") in _pairs(table)
    found = tokens.sound_pairs(table)
    assert {(0, 1), (1, 0)} & set(zip(found["a"].to_pylist(), found["b"].to_pylist(), strict=True))
    assert tokens.initial_keys("thomas warden") == ["0MS\x1finitial\x1fw", "WRTN\x1finitial\x1ft"]


def test_a_large_sound_group_is_a_window_not_all_its_pairs() -> None:
    people = tokens.FULL_GROUP * 3
    rows = [(f"John {chr(65 + n % 26)}{n:03d}x", "1850-01-01", "London") for n in range(people)]
    found = tokens.sound_pairs(_people(rows))
    pairs = set(zip(found["a"].to_pylist(), found["b"].to_pylist(), strict=True))
    assert len(pairs) <= people * tokens.WINDOW * len(tokens.PASSES)
    assert len(pairs) < people * (people - 1) / 2


def test_a_year_typo_with_nothing_else_shared_meets_its_twin_in_a_sorted_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One word, the year typed wrong, another town: no year, town, postcode or initial key.
    rows = [("Wedgwood", "1730-07-12", "Burslem"), ("Wedgwood", "1731-07-12", "Stoke")]
    rows += [("Wedgwood", f"{1502 + 5 * n}-01-01", f"Town {n}") for n in range(30)]
    table = _people(rows)

    def found() -> set[tuple[int, int]]:
        pairs = tokens.sound_pairs(table)
        return {
            (min(a, b), max(a, b))
            for a, b in zip(pairs["a"].to_pylist(), pairs["b"].to_pylist(), strict=True)
        }

    with_windows = found()
    assert (0, 1) in with_windows
    # A window, not every pair of the sound: at most SORTED_WINDOW partners per order.
    assert len(with_windows) <= len(rows) * tokens.SORTED_WINDOW * len(tokens.SORTED_ORDERS)
    assert len(with_windows) < len(rows) * (len(rows) - 1) / 2
    monkeypatch.setattr(tokens, "SORTED_ORDERS", ())
    assert (0, 1) not in found()  # the other sound passes do not pair them
