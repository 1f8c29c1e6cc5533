"""PPRL's coarser date-of-birth block key (``PprlParams.date_block``, ``ringfence pprl encode
--date-block year|month``): the key holds the birth year (and month) only; files without it
unchanged byte for byte; files with another precision refused; and the bench's attack on the
birth year and year + month."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from bench._pprl_attack import attack_world, field_values
from ringfence.errors import UserError
from ringfence.resolve.pprl import PprlParams, encode_parties
from ringfence.resolve.pprl.io import read_encodings
from ringfence.resolve.pprl.match import check_compatible, match_encodings
from ringfence.resolve.pprl.params import (
    FIELD_PARAMS,
    field_subset_params,
    file_metadata,
    params_from_metadata,
)
from tests.resolve.test_pprl import SECRET, _run, parties

YEAR = replace(FIELD_PARAMS, date_block="year")
MONTH = replace(FIELD_PARAMS, date_block="month")


def _date_keys(params: PprlParams, *dates: str | None) -> list[str | None]:
    rows = [{"id": str(i), "name": "Anna Berg", "birth_date": d, "country": "DE"}
            for i, d in enumerate(dates)]  # fmt: skip
    keys = encode_parties(parties(*rows), SECRET, params)["block_keys"].to_pylist()
    name_keys = len(encode_parties(parties({"id": "n", "name": "Anna Berg", "country": "DE"}),
                                   SECRET, params)["block_keys"][0].as_py())  # fmt: skip
    return [k[-1] if len(k) > name_keys else None for k in keys]


def test_a_year_key_joins_dates_of_one_year_and_a_month_key_of_one_month() -> None:
    dates = ("1970-01-01", "1970-01-31", "1970-05-02", "1970", "1971-01-01", None)
    day = _date_keys(FIELD_PARAMS, *dates)
    year = _date_keys(YEAR, *dates)
    month = _date_keys(MONTH, *dates)
    assert len(set(day[:5])) == 5 and day[5] is None
    assert year[0] == year[1] == year[2] == year[3] != year[4] and year[5] is None
    assert month[0] == month[1] != month[2] and month[3] not in month[:3] + month[4:5]
    assert month[5] is None
    # A coarse key never equals an exact one: a year-only date's exact key is not its year key.
    assert not (set(year) | set(month)) & set(day) - {None}


def test_the_coarse_key_replaces_the_exact_one_and_nothing_else_changes() -> None:
    table = parties(*({"id": str(i), "name": "John Smith", "street": "1 High St",
                       "city": "Leeds", "birth_date": "1970-01-01", "country": "GB"}
                      for i in range(5)))  # fmt: skip
    exact = encode_parties(table, SECRET, FIELD_PARAMS)
    coarse = encode_parties(table, SECRET, YEAR)
    for column in exact.column_names:
        if column != "block_keys":
            assert exact[column].equals(coarse[column]), column
    for a, b in zip(exact["block_keys"].to_pylist(), coarse["block_keys"].to_pylist(),
                    strict=True):  # fmt: skip
        assert a[:-1] == b[:-1] and a[-1] != b[-1]


def test_the_exact_date_key_is_todays_encoding_byte_for_byte() -> None:
    table = parties({"id": "1", "name": "John Smith", "birth_date": "1970-01-01", "country": "GB"})
    for base in (PprlParams(), FIELD_PARAMS, replace(FIELD_PARAMS, block_on=())):
        params = replace(base, date_block="day")
        assert params == base
        assert "date_block" not in file_metadata(params, SECRET)["params"]
        before = encode_parties(table, SECRET, base)
        after = encode_parties(table, SECRET, params)
        assert after.equals(before) and after.schema.metadata == before.schema.metadata
    assert '"date_block": "year"' in file_metadata(YEAR, SECRET)["params"]


def test_the_precision_is_stored_and_another_is_refused() -> None:
    table = parties(
        {"id": "1", "name": "John Smith", "birth_date": "1970-01-01", "country": "GB"},
        {"id": "2", "name": "Jane Doe", "birth_date": "1970-03-04", "country": "GB"},
    )
    year = encode_parties(table, SECRET, YEAR)
    meta = {k.decode(): v.decode() for k, v in year.schema.metadata.items()}
    assert params_from_metadata(meta, "a") == YEAR
    assert check_compatible(year, year) == YEAR
    for other in (FIELD_PARAMS, MONTH):
        with pytest.raises(UserError, match="different parameters"):
            check_compatible(year, encode_parties(table, SECRET, other))
    # Records sharing only the birth year (no name sound in common) are compared.
    other = parties({"id": "x", "name": "Xu Wen", "birth_date": "1970-12-12", "country": "GB"})
    pairs = match_encodings(year, encode_parties(other, SECRET, YEAR), threshold=0.0)
    assert set(pairs.column("left_id").to_pylist()) == {"1", "2"}
    exact = [encode_parties(t, SECRET, FIELD_PARAMS) for t in (table, other)]
    exact_pairs = match_encodings(*exact, threshold=0.0)
    assert exact_pairs.num_rows == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [(lambda: replace(FIELD_PARAMS, date_block="week"), "day, month, year"),
     (lambda: PprlParams(date_block="year"), "birth-date block key"),
     (lambda: replace(FIELD_PARAMS, block_on=(), date_block="year"), "birth-date block key"),
     (lambda: replace(field_subset_params("name,street"), date_block="month"),
      "birth-date block key")],
)  # fmt: skip
def test_unusable_date_blocks_are_refused(params: object, message: str) -> None:
    with pytest.raises(UserError, match=message):
        params()  # type: ignore[operator]


def test_cli_date_block_round_trip_and_refusals(tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_bytes(b"k" * 40 + b"\n")
    header = "id,name,city,country,birth_date\n"
    (tmp_path / "a.csv").write_text(header + "1,John Smith,Leeds,GB,1970-01-01\n")
    (tmp_path / "b.csv").write_text(header + "x,Xu Wen,Leeds,GB,1970-06-30\n")
    for side in ("a", "b"):
        code, stdout, _ = _run("pprl", "encode", tmp_path / f"{side}.csv", "--secret-file", key,
                               "--out", tmp_path / f"{side}.parquet", "--field-filters",
                               "--date-block", "year")  # fmt: skip
        assert code == 0, stdout
    meta = read_encodings(tmp_path / "a.parquet").schema.metadata
    params = params_from_metadata({k.decode(): v.decode() for k, v in meta.items()}, "a")
    assert params == YEAR
    # Only the birth year is shared (no name sound): the year key makes them a candidate pair.
    code, stdout, _ = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "b.parquet",
                           "--threshold", "0", "--out", tmp_path / "pairs.csv")  # fmt: skip
    assert code == 0, stdout
    assert (tmp_path / "pairs.csv").read_text().splitlines()[1].startswith("1,x,")
    code, _, _ = _run("pprl", "encode", tmp_path / "b.csv", "--secret-file", key, "--out",
                      tmp_path / "c.parquet", "--field-filters")  # fmt: skip
    assert code == 0
    code, _, stderr = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "c.parquet")
    assert code == 2 and "different parameters" in stderr
    refusals = (
        (["--date-block", "year"], "birth-date block key"),
        (["--field-filters", "--date-block", "week"], "day, month, year"),
    )
    for bad, message in refusals:
        code, _, stderr = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / "x.parquet", *bad)  # fmt: skip
        assert code == 2 and message in stderr, stderr


def test_the_attack_names_years_through_a_year_key_but_no_exact_date() -> None:
    # Census and attacked records: many born in 1970 (on many days), fewer in 1980, a few
    # once each; one day is shared by a tenth of the records.
    dates = ([f"1970-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(60)]
             + [f"1980-05-{1 + i % 28:02d}" for i in range(30)]
             + [f"19{50 + i}-02-03" for i in range(10)])  # fmt: skip

    def people(prefix: str) -> pa.Table:
        rows = [{"id": f"{prefix}{i}", "name": f"anna berg {prefix}{i}x", "birth_date": d,
                 "country": "DE"} for i, d in enumerate(dates)]  # fmt: skip
        return parties(*rows)

    table = people("r")
    assert field_values(table)["birth_year"][:2] == ["1970", "1970"]
    assert field_values(table)["birth_month"][:2] == ["197001", "197002"]
    found = attack_world(people("c"), [encode_parties(table, SECRET, YEAR)], [table])
    assert found["birth_year"]["block_key"]["reidentified"] >= 0.9  # type: ignore[index]
    assert found["birth_year"]["blind_guess"] == 0.6
    # Naming year groups with exact dates finds at most the one date the largest group gets.
    assert found["birth_date"]["block_key"]["reidentified"] <= 0.05  # type: ignore[index]
    # Without a date key nothing attacks a key; with the exact key, every precision is tried.
    no_key = attack_world(people("c"), [encode_parties(table, SECRET, replace(FIELD_PARAMS,
                          block_on=()))], [table])  # fmt: skip
    assert all("block_key" not in no_key[f] for f in ("birth_date", "birth_year", "birth_month"))
    assert {"clk", "clk_birth_date"} <= set(no_key["birth_year"])
