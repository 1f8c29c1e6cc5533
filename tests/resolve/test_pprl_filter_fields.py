"""Field filters on a subset of fields (``params.field_subset_params``, ``ringfence pprl encode
--filter-fields``): only the chosen filters are written, the CLK is unchanged, and both sides
agree however they list the fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.errors import UserError
from ringfence.resolve.pprl import PprlParams, encode_parties, match_encodings
from ringfence.resolve.pprl.io import read_encodings
from ringfence.resolve.pprl.match import check_compatible
from ringfence.resolve.pprl.params import FIELD_PARAMS, field_subset_params
from tests.resolve.test_pprl import SECRET, _run, parties
from tests.resolve.test_pprl import files as files  # the fixture

ROW = {"id": "a", "name": "John Smith", "street": "1 High St", "city": "Leeds",
       "postcode": "LS1 1AA", "birth_date": "1970-01-01", "country": "GB"}  # fmt: skip


def test_subset_writes_only_its_filters_and_the_same_clk() -> None:
    params = field_subset_params("street, name,birth_date")
    assert params.field_filters == ("name", "street", "birth_date")
    assert params.block_on == ("birth_date",)
    assert field_subset_params(["birth_date", "street", "name"]) == params
    encoded = encode_parties(parties(ROW), SECRET, params)
    columns = [c for c in encoded.column_names if c.startswith("clk_")]
    assert columns == ["clk_name", "clk_street", "clk_birth_date"]
    full = encode_parties(parties(ROW), SECRET, FIELD_PARAMS)
    assert encoded["clk"].equals(full["clk"])
    assert encoded["clk_name"].equals(full["clk_name"])
    assert field_subset_params("name,street").block_on == ()
    assert field_subset_params(",".join(FIELD_PARAMS.field_filters)) == FIELD_PARAMS


@pytest.mark.parametrize("bad", ["", "name,country", "phone", "nam"])
def test_unknown_or_no_fields_are_refused(bad: str) -> None:
    with pytest.raises(UserError, match="filter fields"):
        field_subset_params(bad)


def test_a_subset_is_refused_against_all_filters_and_matches_itself() -> None:
    subset = encode_parties(parties(ROW), SECRET, field_subset_params("name,street"))
    with pytest.raises(UserError, match="different parameters"):
        check_compatible(subset, encode_parties(parties(ROW), SECRET, FIELD_PARAMS))
    with pytest.raises(UserError, match="different parameters"):
        check_compatible(subset, encode_parties(parties(ROW), SECRET, PprlParams()))
    other = encode_parties(parties({**ROW, "id": "b"}), SECRET, field_subset_params("street,name"))
    # The shipped field model weighs all five filters; without three of them an identical
    # record scores only just above 0.5 (docs/pprl.md: fit a model on such encodings).
    pairs = match_encodings(subset, other).to_pylist()
    assert [(p["left_id"], p["right_id"]) for p in pairs] == [("a", "b")]


def test_cli_filter_fields(files: Path) -> None:
    key = files / "secret.key"
    for src, out, fields in (("a.csv", "a.parquet", "name,street"),
                             ("b.parquet", "b.parquet.out.parquet", "street,name")):  # fmt: skip
        code, stdout, _ = _run("pprl", "encode", files / src, "--secret-file", key, "--out",
                               files / out, "--filter-fields", fields)  # fmt: skip
        assert code == 0, stdout
    columns = read_encodings(files / "a.parquet").column_names
    assert [c for c in columns if c.startswith("clk_")] == ["clk_name", "clk_street"]
    code, stdout, _ = _run("pprl", "match", files / "a.parquet", files / "b.parquet.out.parquet")
    assert code == 0 and "phone" in stdout
    code, _, stderr = _run("pprl", "encode", files / "a.csv", "--secret-file", key, "--out",
                           files / "x.parquet", "--filter-fields", "name,phone")  # fmt: skip
    assert code == 2 and "filter fields" in stderr
