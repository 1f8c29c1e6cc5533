"""PPRL's town filter for records without a host (``PprlParams.town_filter_without_host``,
``ringfence pprl encode --town-with street --town-filter-without-host``): the town in the
street composite for records holding a street and in a town filter of its own, under a key of
its own, only for records holding none; files without it unchanged byte for byte, files with
another setting refused, and the bench's attack on the town filter on the records it holds a
town for."""

from __future__ import annotations

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
)
from tests.resolve.test_pprl import SECRET, _run, parties

BASE = field_subset_params("name,street,city,postcode,birth_date")
HOSTLESS = replace(BASE, town_with=("street",), town_filter_without_host=True)
COMPOSITE = replace(field_subset_params("name,street,postcode,birth_date"), town_with=("street",))


def _table() -> pa.Table:
    rows = [
        {"id": "a", "name": "Anna Berg", "street": "12 High Street", "city": "Leeds",
         "postcode": "LS1 4AB", "country": "GB", "birth_date": "1960-02-03"},
        {"id": "b", "name": "Anna Berg", "city": "Leeds", "postcode": "LS1 4AB",
         "country": "GB", "birth_date": "1960-02-03"},
        {"id": "c", "name": "Xu Wen", "city": "York", "country": "GB"},
        {"id": "d", "name": "Xu Wen", "street": "7 Mill Lane", "country": "GB"},
    ]  # fmt: skip
    return parties(*rows)


def _bits(table: pa.Table, column: str) -> np.ndarray:
    return np.unpackbits(clk_matrix(table, column).view(np.uint8), axis=1).astype(bool)


def test_off_is_todays_encoding_byte_for_byte() -> None:
    table = _table()
    for base in (PprlParams(), FIELD_PARAMS, BASE, COMPOSITE):
        params = replace(base, town_filter_without_host=False)
        assert params == base
        assert "town_filter_without_host" not in file_metadata(params, SECRET)["params"]
        before = encode_parties(table, SECRET, base)
        after = encode_parties(table, SECRET, params)
        assert after.equals(before) and after.schema.metadata == before.schema.metadata
    assert '"town_filter_without_host": true' in file_metadata(HOSTLESS, SECRET)["params"]


def test_only_records_without_a_street_have_town_filter_bits() -> None:
    table = _table()
    enc = encode_parties(table, SECRET, HOSTLESS)
    town = _bits(enc, "clk_city")
    # a and d hold a street: no town filter bits (d has no town either); b and c hold none.
    assert not town[0].any() and not town[3].any()
    assert town[1].any() and town[2].any()
    # The street records' towns are in their street composite, as town_with alone puts them.
    composite = encode_parties(table, SECRET, COMPOSITE)
    assert enc["clk_street"].equals(composite["clk_street"])
    for column in ("clk", "clk_name", "clk_postcode", "clk_birth_date", "block_keys"):
        assert enc[column].equals(composite[column]), column


def test_the_town_filter_has_a_key_of_its_own() -> None:
    # The street-less records' town filter is not the plain town filter's bits (another key),
    # yet one town gives one pattern: b and a street-less copy of a (same town) agree.
    table = _table()
    plain = _bits(encode_parties(table, SECRET, BASE), "clk_city")
    hostless = _bits(encode_parties(table, SECRET, HOSTLESS), "clk_city")
    assert not (plain[1] == hostless[1]).all() and plain[1].sum() > 0
    copy = parties({"id": "e", "name": "Someone Else", "city": "Leeds", "country": "GB"})
    again = _bits(encode_parties(copy, SECRET, HOSTLESS), "clk_city")
    assert (again[0] == hostless[1]).all()


def test_the_setting_is_stored_and_another_is_refused() -> None:
    table = _table()
    enc = encode_parties(table, SECRET, HOSTLESS)
    meta = {k.decode(): v.decode() for k, v in enc.schema.metadata.items()}
    assert params_from_metadata(meta, "a") == HOSTLESS
    assert check_compatible(enc, enc) == HOSTLESS
    for other in (BASE, COMPOSITE, replace(HOSTLESS, town_with=("street", "postcode"))):
        with pytest.raises(UserError, match="different parameters"):
            check_compatible(enc, encode_parties(table, SECRET, other))


@pytest.mark.parametrize(
    ("params", "message"),
    [(lambda: replace(BASE, town_filter_without_host=True), "needs town_with"),
     (lambda: replace(COMPOSITE, town_filter_without_host=True), "needs town_with"),
     (lambda: replace(BASE, town_with=("street",)), "without a filter of its own"),
     (lambda: replace(HOSTLESS, town_filter_without_host="yes"),  # type: ignore[arg-type]
      "true or false")],
)  # fmt: skip
def test_unusable_settings_are_refused(params: object, message: str) -> None:
    with pytest.raises(UserError, match=message):
        params()  # type: ignore[operator]


def test_cli_round_trip_and_refusals(tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_bytes(b"k" * 40 + b"\n")
    header = "id,name,street,city,postcode,country\n"
    rows = "a,Anna Berg,12 High Street,Leeds,LS1 4AB,GB\nb,Xu Wen,,York,,GB\n"
    (tmp_path / "a.csv").write_text(header + rows)
    fields = ["--filter-fields", "name,street,city", "--town-with", "street"]
    composite = ["--filter-fields", "name,street", "--town-with", "street"]
    for out, extra in (("a", [*fields, "--town-filter-without-host"]), ("b", composite)):
        code, stdout, _ = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / f"{out}.parquet", *extra)  # fmt: skip
        assert code == 0, stdout
    enc = read_encodings(tmp_path / "a.parquet")
    meta = {k.decode(): v.decode() for k, v in enc.schema.metadata.items()}
    assert params_from_metadata(meta, "a").town_filter_without_host is True
    town = _bits(enc, "clk_city")
    assert not town[0].any() and town[1].any()
    code, _, stderr = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert code == 2 and "different parameters" in stderr
    for bad in (["--filter-fields", "name,street,city", "--town-filter-without-host"],
                ["--filter-fields", "name,street", "--town-with", "street",
                 "--town-filter-without-host"]):  # fmt: skip
        code, _, stderr = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / "x.parquet", *bad)  # fmt: skip
        assert code == 2 and "needs town_with" in stderr, stderr


def test_the_attack_covers_the_street_less_town_filter() -> None:
    # Census and attacked file alike: three towns, a street on five records of six.
    def people(prefix: str) -> pa.Table:
        towns = ["leeds"] * 30 + ["york"] * 20 + ["hull"] * 10
        rows = [{"id": f"{prefix}{i}", "name": f"anna berg {prefix}{i}x", "city": towns[i],
                 "street": f"{i % 7 + 1} {towns[i]} road" if i % 6 else None,
                 "postcode": f"ab{i % 5} {i % 3}cd", "country": "GB"}
                for i in range(60)]  # fmt: skip
        return parties(*rows)

    table, census = people("r"), people("c")
    found = attack_world(census, [encode_parties(table, SECRET, HOSTLESS)], [table])["city"]
    block = found["clk_city_without_host"]
    # Only the ten records without a street, with the baselines taken on them.
    assert block["records"] == 10
    assert {"clk_same_records", "blind_guess", "reidentified", "tau"} <= set(block)
    assert "clk_city" not in found and found["records"] == 60  # the CLK on every town
    assert found["clk_street+city"]["records"] == 50
    # A town filter of identical patterns per town: the attack names at least the blind guess.
    assert block["reidentified"] >= block["blind_guess"]
