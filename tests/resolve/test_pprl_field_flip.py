"""PPRL per-field BLIP rates (``PprlParams.field_flip_probabilities``, ``ringfence pprl
encode --field-flip``): only the named filters flip, at their own rate, keyed per record id;
files without them unchanged; files with other rates refused; and the bench's attack on the
date-of-birth block key, which no flipping touches."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bench._pprl_attack import attack_world
from ringfence.errors import UserError
from ringfence.resolve.pprl import PprlParams, encode_parties
from ringfence.resolve.pprl.io import read_encodings
from ringfence.resolve.pprl.match import check_compatible, clk_matrix
from ringfence.resolve.pprl.params import (
    FIELD_PARAMS,
    field_subset_params,
    file_metadata,
    params_from_metadata,
    parse_field_flips,
)
from tests.resolve.test_pprl import SECRET, _run, parties

SMITH = {"name": "John Smith", "street": "1 High Street", "city": "Leeds", "postcode": "LS1 4AP",
         "birth_date": "1970-01-01", "country": "GB"}  # fmt: skip
FILTERS = ("clk", "clk_name", "clk_street", "clk_city", "clk_postcode", "clk_birth_date")


def _many(n: int, prefix: str = "") -> pa.Table:
    return parties(*({**SMITH, "id": f"{prefix}{i}"} for i in range(n)))


def _bits(table: pa.Table, column: str) -> np.ndarray:
    return np.unpackbits(clk_matrix(table, column).view(np.uint8), axis=1)


def _rates(plain: pa.Table, flipped: pa.Table) -> dict[str, float]:
    return {c: float((_bits(plain, c) != _bits(flipped, c)).mean()) for c in FILTERS}


def test_only_the_named_filters_flip_at_their_own_rate() -> None:
    table = _many(2000)
    plain = encode_parties(table, SECRET, FIELD_PARAMS)
    params = replace(FIELD_PARAMS, field_flip_probabilities={"city": 0.3, "birth_date": 0.1})
    rates = _rates(plain, encode_parties(table, SECRET, params))
    assert abs(rates["clk_city"] - 0.15) < 0.003, rates  # 2 million bits: sd ~0.00025
    assert abs(rates["clk_birth_date"] - 0.05) < 0.003, rates
    assert rates["clk"] == rates["clk_name"] == rates["clk_street"] == rates["clk_postcode"] == 0
    # The global rate still holds for the CLK and the filters not named.
    both = replace(params, flip_probability=0.02)
    rates = _rates(plain, encode_parties(table, SECRET, both))
    assert abs(rates["clk_city"] - 0.15) < 0.003, rates
    for column in ("clk", "clk_name", "clk_street", "clk_postcode"):
        assert abs(rates[column] - 0.01) < 0.002, (column, rates)


def test_same_record_id_gets_the_same_flips() -> None:
    params = replace(FIELD_PARAMS, field_flip_probabilities={"city": 0.3})
    first = encode_parties(_many(40), SECRET, params)
    assert first.equals(encode_parties(_many(40), SECRET, params))
    assert len({row.tobytes() for row in _bits(first, "clk_city")}) == 40  # one town, 40 ids
    # A record's flips depend on its id, not on the file or its row: record 7 alone, same bytes.
    alone = encode_parties(parties({**SMITH, "id": "7"}), SECRET, params)
    assert alone["clk_city"][0].as_py() == first["clk_city"][7].as_py()
    # The stream is the global one's: at the same rate a field's own flips are the same bits.
    same = encode_parties(_many(40), SECRET, replace(FIELD_PARAMS, flip_probability=0.3))
    assert first["clk_city"].equals(same["clk_city"])


def test_no_field_flips_is_todays_encoding_byte_for_byte() -> None:
    table = _many(20)
    for base in (PprlParams(), FIELD_PARAMS, replace(FIELD_PARAMS, flip_probability=0.05)):
        before = encode_parties(table, SECRET, base)
        for flips in ({}, {"city": base.flip_probability} if base.field_filters else {}):
            params = replace(base, field_flip_probabilities=flips)
            assert params == base and params.field_flip_probabilities == {}
            after = encode_parties(table, SECRET, params)
            assert after.equals(before) and after.schema.metadata == before.schema.metadata
    assert "field_flip" not in file_metadata(FIELD_PARAMS, SECRET)["params"]


def test_field_flips_are_stored_and_a_different_setting_is_refused() -> None:
    table = _many(3)
    params = replace(FIELD_PARAMS, field_flip_probabilities={"birth_date": 0.2, "city": 0.3})
    flipped = encode_parties(table, SECRET, params)
    meta = {k.decode(): v.decode() for k, v in flipped.schema.metadata.items()}
    stored = params_from_metadata(meta, "a")
    assert stored == params and stored.field_flip_probabilities == {"city": 0.3, "birth_date": 0.2}
    assert check_compatible(flipped, flipped) == params
    others = [FIELD_PARAMS, replace(FIELD_PARAMS, flip_probability=0.3),
              replace(params, field_flip_probabilities={"city": 0.3}),
              replace(params, field_flip_probabilities={"city": 0.2, "birth_date": 0.2}),
              replace(params, flip_probability=0.02)]  # fmt: skip
    for other in others:
        with pytest.raises(UserError, match="different parameters"):
            check_compatible(flipped, encode_parties(table, SECRET, other))


@pytest.mark.parametrize(
    ("flips", "message"),
    [({"city": 0.5}, r"\[0, 0.5\)"), ({"city": -0.1}, r"\[0, 0.5\)"),
     ({"city": math.nan}, r"\[0, 0.5\)"), ({"city": True}, r"\[0, 0.5\)"),
     ({"city": "0.1"}, r"\[0, 0.5\)"), ({"country": 0.1}, "no filter of its own"),
     ({"town": 0.1}, "no filter of its own")],
)  # fmt: skip
def test_unusable_field_flips_are_refused(flips: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        replace(FIELD_PARAMS, field_flip_probabilities=flips)


def test_a_field_flip_needs_the_fields_filter() -> None:
    with pytest.raises(UserError, match="no filter of its own"):
        PprlParams(field_flip_probabilities={"city": 0.2})
    subset = field_subset_params("name,street")
    with pytest.raises(UserError, match=r"'city'.*name, street"):
        replace(subset, field_flip_probabilities={"city": 0.2})
    assert replace(subset, field_flip_probabilities={"street": 0.2}).field_flip_probabilities


def test_parse_field_flips() -> None:
    assert parse_field_flips("city=0.3, birth_date=0.1") == {"city": 0.3, "birth_date": 0.1}
    assert parse_field_flips("city=0.3,") == {"city": 0.3}
    for bad in ("", "city", "city=x", "city=0.1,city=0.2", "=0.1,"):
        with pytest.raises(UserError, match="field flips"):
            parse_field_flips(bad)


def test_cli_field_flip_round_trip_and_refusals(tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_bytes(b"k" * 40 + b"\n")
    header = "id,name,street,city,postcode,country,birth_date,phone\n"
    (tmp_path / "a.csv").write_text(header + "1,John Smith,1 High St,Leeds,LS1,GB,1970-01-01,\n"
                                    "2,Wei Zhang,,Leeds,,CN,,138 0013 8000\n")  # fmt: skip
    (tmp_path / "b.csv").write_text(header + "x,Jon Smith,1 High St,Leeds,LS1,GB,1970-01-01,\n"
                                    "y,ZHANG Wie,,,,China,,+86 138-0013-8000\n")  # fmt: skip
    flags = ["--field-filters", "--field-flip", "city=0.3,birth_date=0.1"]
    for side in ("a", "b"):
        code, stdout, _ = _run("pprl", "encode", tmp_path / f"{side}.csv", "--secret-file", key,
                               "--out", tmp_path / f"{side}.parquet", *flags)  # fmt: skip
        assert code == 0, stdout
    meta = read_encodings(tmp_path / "a.parquet").schema.metadata
    params = params_from_metadata({k.decode(): v.decode() for k, v in meta.items()}, "a")
    assert params.field_flip_probabilities == {"city": 0.3, "birth_date": 0.1}
    assert params.field_filters == FIELD_PARAMS.field_filters
    code, stdout, _ = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert code == 0 and "phone" in stdout
    other = ["--field-filters", "--field-flip", "city=0.2"]
    code, _, _ = _run("pprl", "encode", tmp_path / "b.csv", "--secret-file", key, "--out",
                      tmp_path / "c.parquet", *other)  # fmt: skip
    assert code == 0
    code, _, stderr = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "c.parquet")
    assert code == 2 and "different parameters" in stderr
    for bad, message in ((["--field-flip", "city=0.2"], "no filter of its own"),
                         (["--field-filters", "--field-flip", "city=0.6"], "0.5"),
                         (["--field-filters", "--field-flip", "city"], "FIELD=F")):  # fmt: skip
        code, _, stderr = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / "x.parquet", *bad)  # fmt: skip
        assert code == 2 and message in stderr, stderr


def test_the_attack_finds_frequent_dates_through_the_block_key_whatever_the_flips() -> None:
    dates = ["1970-01-01"] * 60 + ["1980-05-05"] * 30 + [f"19{50 + i}-02-03" for i in range(10)]

    def people(prefix: str) -> pa.Table:
        rows = [{"id": f"{prefix}{i}", "name": f"anna berg {prefix}{i}x", "birth_date": d,
                 "country": "DE"} for i, d in enumerate(dates)]  # fmt: skip
        return parties(*rows)

    table = people("r")
    flipped = replace(FIELD_PARAMS, field_flip_probabilities={"birth_date": 0.45})
    for params in (FIELD_PARAMS, flipped):
        found = attack_world(people("c"), [encode_parties(table, SECRET, params)], [table])
        date = found["birth_date"]
        assert date["blind_guess"] == 0.6
        assert date["block_key"]["reidentified"] >= 0.9  # type: ignore[index]
    no_key = replace(FIELD_PARAMS, block_on=())
    found = attack_world(people("c"), [encode_parties(table, SECRET, no_key)], [table])
    assert "block_key" not in found["birth_date"]
