"""PPRL's date block key without over-frequent dates (``PprlParams.date_key_max_ratio``,
``ringfence pprl encode --date-key-max-ratio R [--date-key-fallback year]``): the rule on the
encoder's own file, files without it unchanged byte for byte, files with another setting
refused, withheld keys really withheld, and the bench's attack on the key as the receiver
sees it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from bench._pprl_attack import attack_block_key, attack_world, date_keys
from ringfence.errors import UserError
from ringfence.resolve.pprl import PprlParams, encode_parties
from ringfence.resolve.pprl.encode import over_frequent_dates
from ringfence.resolve.pprl.io import read_encodings
from ringfence.resolve.pprl.match import check_compatible
from ringfence.resolve.pprl.params import FIELD_PARAMS, file_metadata, params_from_metadata
from tests.resolve.test_pprl import SECRET, _run, parties

R10 = replace(FIELD_PARAMS, date_key_max_ratio=10)
R10_YEAR = replace(R10, date_key_fallback="year")
YEAR = replace(FIELD_PARAMS, date_block="year")


def _dates(*counts: tuple[str, int]) -> list[list[str]]:
    return [[date] for date, n in counts for _ in range(n)]


def test_a_date_is_over_frequent_above_r_times_a_uniform_year_or_r_records() -> None:
    # 1862: 730 dated records (u = 2 a day); 1 January held by 100, 5 May by 20, 304 other
    # days by 2 each, and two records give the year alone (they count with their year).
    days = [f"1862{m:02d}{d:02d}" for m in range(1, 13) for d in range(2, 29)]
    days = [day for day in days if day != "18620505"][:304]
    busy = _dates(("18620101", 100), ("18620505", 20), ("1862", 2), *((day, 2) for day in days))
    assert len(busy) == 730
    assert over_frequent_dates(busy, 10) == {"18620101"}  # 100 > 20; 20 is not > 20
    assert over_frequent_dates(busy, 5) == {"18620101", "18620505"}
    assert over_frequent_dates(busy, 40) == {"18620101"} and not over_frequent_dates(busy, 0)
    assert not over_frequent_dates(busy, 50)  # 100 is not > 100
    # A sparse year: a date needs more than R records, whatever its share of the year.
    sparse = _dates(("19700101", 10), ("19700202", 11), ("1970", 12))
    assert over_frequent_dates(sparse, 10) == {"19700202", "1970"}
    # A leap year's 366 days: 36,600 records give u = 100 (100.27 in a common year), so
    # 1,001 is over ratio 10 in 2000 and not in 2001.
    leap = _dates(("20000101", 1001), ("20000102", 35599))
    assert over_frequent_dates(leap, 10) == {"20000101", "20000102"}
    common = _dates(("20010101", 1001), ("20010102", 35599))
    assert over_frequent_dates(common, 10) == {"20010102"}


def _table(placeholders: int = 30) -> pa.Table:
    rows = [{"id": f"p{i}", "name": "Anna Berg", "birth_date": "1862-01-01", "country": "DE"}
            for i in range(placeholders)]  # fmt: skip
    rows += [{"id": f"o{i}", "name": "Anna Berg", "birth_date": f"1862-{1 + i % 12:02d}-"
              f"{2 + i % 27:02d}", "country": "DE"} for i in range(40)]  # fmt: skip
    rows.append({"id": "none", "name": "Anna Berg", "country": "DE"})
    return parties(*rows)


def test_over_frequent_dates_lose_their_key_and_nothing_else_changes() -> None:
    table = _table()
    exact = encode_parties(table, SECRET, FIELD_PARAMS)
    for params in (R10, R10_YEAR):
        withheld = encode_parties(table, SECRET, params)
        for column in exact.column_names:
            if column != "block_keys":
                assert exact[column].equals(withheld[column]), column
    keys = exact["block_keys"].to_pylist()
    name_keys = len(keys[-1])  # the record without a date holds the name's keys alone
    year_keys = encode_parties(table, SECRET, YEAR)["block_keys"].to_pylist()
    for params in (R10, R10_YEAR):
        got = encode_parties(table, SECRET, params)["block_keys"].to_pylist()
        for row, (before, after) in enumerate(zip(keys, got, strict=True)):
            if row < 30 and params is R10:  # 1862-01-01: 30 of 70 records of 1862 > 10
                assert after == before[:name_keys] and len(before) == name_keys + 1
            elif row < 30:  # ... or its birth year's key instead
                assert after == [*before[:-1], year_keys[row][-1]] != before
            else:  # other dates keep their exact key, the undated record has none
                assert after == before
    # Fewer placeholders than the ratio allows: the key stays, byte for byte the exact one.
    few = _table(placeholders=10)
    assert encode_parties(few, SECRET, R10)["block_keys"].equals(
        encode_parties(few, SECRET, FIELD_PARAMS)["block_keys"]
    )


def test_off_is_todays_encoding_byte_for_byte() -> None:
    table = _table()
    for base in (PprlParams(), FIELD_PARAMS, replace(FIELD_PARAMS, block_on=())):
        params = replace(base, date_key_max_ratio=0, date_key_fallback="none")
        assert params == base
        text = file_metadata(params, SECRET)["params"]
        assert "date_key" not in text
        before = encode_parties(table, SECRET, base)
        after = encode_parties(table, SECRET, params)
        assert after.equals(before) and after.schema.metadata == before.schema.metadata
    assert '"date_key_max_ratio": 10.0' in file_metadata(R10, SECRET)["params"]
    assert '"date_key_fallback": "year"' in file_metadata(R10_YEAR, SECRET)["params"]


def test_the_setting_is_stored_and_another_is_refused() -> None:
    table = _table()
    r10 = encode_parties(table, SECRET, R10)
    meta = {k.decode(): v.decode() for k, v in r10.schema.metadata.items()}
    assert params_from_metadata(meta, "a") == R10
    assert check_compatible(r10, r10) == R10
    for other in (FIELD_PARAMS, R10_YEAR, replace(FIELD_PARAMS, date_key_max_ratio=20)):
        with pytest.raises(UserError, match="different parameters"):
            check_compatible(r10, encode_parties(table, SECRET, other))


@pytest.mark.parametrize(
    ("params", "message"),
    [(lambda: PprlParams(date_key_max_ratio=10), "exact birth-date block key"),
     (lambda: replace(YEAR, date_key_max_ratio=10), "exact birth-date block key"),
     (lambda: replace(FIELD_PARAMS, date_key_max_ratio=0.5), "at least 1"),
     (lambda: replace(FIELD_PARAMS, date_key_max_ratio=True), "at least 1"),
     (lambda: replace(FIELD_PARAMS, date_key_fallback="year"), "needs date_key_max_ratio"),
     (lambda: replace(R10, date_key_fallback="month"), "none, year")],
)  # fmt: skip
def test_unusable_settings_are_refused(params: object, message: str) -> None:
    with pytest.raises(UserError, match=message):
        params()  # type: ignore[operator]


def test_cli_round_trip_and_refusals(tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_bytes(b"k" * 40 + b"\n")
    header = "id,name,city,country,birth_date\n"
    rows = [f"p{i},Anna Berg,Leeds,GB,1862-01-01\n" for i in range(12)]
    (tmp_path / "a.csv").write_text(header + "".join(rows) + "x,Xu Wen,Leeds,GB,1862-05-06\n")
    flags = ["--field-filters", "--date-key-max-ratio", "10", "--date-key-fallback", "year"]
    for out, extra in (("a", flags), ("b", ["--field-filters"])):
        code, stdout, _ = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / f"{out}.parquet", *extra)  # fmt: skip
        assert code == 0, stdout
    enc = read_encodings(tmp_path / "a.parquet")
    meta = {k.decode(): v.decode() for k, v in enc.schema.metadata.items()}
    assert params_from_metadata(meta, "a") == R10_YEAR
    exact = read_encodings(tmp_path / "b.parquet")["block_keys"].to_pylist()
    assert [k[:-1] for k in enc["block_keys"].to_pylist()] == [k[:-1] for k in exact]
    assert enc["block_keys"].to_pylist()[0][-1] != exact[0][-1]  # 12 > 10: the year's key
    assert enc["block_keys"].to_pylist()[-1] == exact[-1]
    code, _, stderr = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert code == 2 and "different parameters" in stderr
    refusals = (
        (["--date-key-max-ratio", "10"], "exact birth-date block key"),
        (["--field-filters", "--date-key-fallback", "year"], "needs date_key_max_ratio"),
        (["--field-filters", "--date-key-max-ratio", "0.5"], "at least 1"),
    )
    for bad, message in refusals:
        code, _, stderr = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / "x.parquet", *bad)  # fmt: skip
        assert code == 2 and message in stderr, stderr


def test_the_receiver_sees_which_records_lack_a_date_key() -> None:
    table = _table()
    keys = date_keys([encode_parties(table, SECRET, R10)], R10)
    exact = encode_parties(table, SECRET, FIELD_PARAMS)["block_keys"].to_pylist()
    assert keys[:30] == [""] * 30 and keys[-1] == ""
    assert keys[30:-1] == [k[-1] for k in exact[30:-1]] and "" not in keys[30:-1]
    # Without the rule the bench takes every record's last key, as before.
    assert date_keys([encode_parties(table, SECRET, FIELD_PARAMS)], FIELD_PARAMS) == [
        k[-1] for k in exact
    ]


def test_the_attack_applies_the_rule_to_the_census() -> None:
    # Two placeholders withheld (one group of 70), then dates held 10, 8 and 6 times.
    truth = ["p1"] * 40 + ["p2"] * 30 + ["a"] * 10 + ["b"] * 8 + ["c"] * 6
    keys = [""] * 70 + ["ka"] * 10 + ["kb"] * 8 + ["kc"] * 6
    census = ["p1"] * 41 + ["p2"] * 29 + ["a"] * 11 + ["b"] * 7 + ["c"] * 5
    naive = attack_block_key(keys, truth, census)
    assert naive["order"] == "census" and naive["reidentified"] == round(40 / 94, 4)
    split = (["p1"] * 41 + ["p2"] * 29, ["a"] * 11 + ["b"] * 7 + ["c"] * 5)
    aware = attack_block_key(keys, truth, census, split)
    assert aware["order"] == "rule" and aware["reidentified"] == round(64 / 94, 4)


def test_the_attack_covers_the_withheld_key() -> None:
    # A census and attacked file alike: a placeholder date held by a third of the records.
    def people(prefix: str) -> pa.Table:
        rows = [{"id": f"{prefix}{i}", "name": f"anna berg {prefix}{i}x",
                 "birth_date": "1862-01-01" if i % 3 == 0 else f"1862-{1 + i % 12:02d}-"
                 f"{2 + i % 27:02d}", "country": "DE"} for i in range(90)]  # fmt: skip
        return parties(*rows)

    table, census = people("r"), people("c")
    exact = attack_world(census, [encode_parties(table, SECRET, FIELD_PARAMS)], [table])
    withheld = attack_world(census, [encode_parties(table, SECRET, R10)], [table])
    year = attack_world(census, [encode_parties(table, SECRET, R10_YEAR)], [table])
    for found in (exact, withheld, year):
        assert {"clk", "clk_birth_date", "block_key"} <= set(found["birth_date"])
        assert "block_key" in found["birth_year"] and "block_key" in found["birth_month"]
    # The placeholder's records are named through the key either way (they are one group
    # when withheld too); the attack reports it rather than missing the withheld key.
    assert exact["birth_date"]["block_key"]["reidentified"] >= 1 / 3
    assert withheld["birth_date"]["block_key"]["reidentified"] >= 1 / 3
    assert withheld["birth_date"]["block_key"]["order"] in {"census", "rule"}
