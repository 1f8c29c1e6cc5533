"""PPRL's town in a composite filter (``PprlParams.town_with``, ``ringfence pprl encode
--town-with street,postcode``): the town without a filter of its own, its q-grams in the
street's and/or the postcode's filter; files without it unchanged byte for byte, files with
another setting refused, the composite holding both fields' q-grams (and no town where the
record lacks the host), the field model's features reading it, and the bench's attack on the
town and the host through it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bench._pprl_attack import attack_composite, attack_world, joint
from ringfence.errors import UserError
from ringfence.resolve.pprl import PprlParams, encode_parties
from ringfence.resolve.pprl.field_model import FEATURES, pair_features
from ringfence.resolve.pprl.io import read_encodings
from ringfence.resolve.pprl.match import check_compatible, clk_matrix
from ringfence.resolve.pprl.params import (
    FIELD_PARAMS,
    field_subset_params,
    file_metadata,
    params_from_metadata,
)
from tests.resolve.test_pprl import SECRET, _run, parties

BASE = field_subset_params("name,street,postcode,birth_date")
STREET = replace(BASE, town_with=("street",))
POSTCODE = replace(BASE, town_with=("postcode",))
BOTH = replace(BASE, town_with=("postcode", "street"))  # stored in TOWN_HOSTS' order


def _table() -> pa.Table:
    rows = [
        {"id": "a", "name": "Anna Berg", "street": "12 High Street", "city": "Leeds",
         "postcode": "LS1 4AB", "country": "GB", "birth_date": "1960-02-03"},
        {"id": "b", "name": "Anna Berg", "street": "12 High Street", "city": "York",
         "postcode": "LS1 4AB", "country": "GB", "birth_date": "1960-02-03"},
        {"id": "c", "name": "Anna Berg", "street": "7 Mill Lane", "city": "Leeds",
         "postcode": "YO3 9ZZ", "country": "GB", "birth_date": "1960-02-03"},
        {"id": "d", "name": "Anna Berg", "city": "Leeds", "country": "GB"},
    ]  # fmt: skip
    return parties(*rows)


def _bits(table: pa.Table, column: str) -> np.ndarray:
    return np.unpackbits(clk_matrix(table, column).view(np.uint8), axis=1).astype(bool)


def _dice(bits: np.ndarray, i: int, j: int) -> float:
    return 2 * float((bits[i] & bits[j]).sum()) / float(bits[i].sum() + bits[j].sum())


def test_off_is_todays_encoding_byte_for_byte() -> None:
    table = _table()
    for base in (PprlParams(), FIELD_PARAMS, BASE):
        params = replace(base, town_with=())
        assert params == base
        assert "town_with" not in file_metadata(params, SECRET)["params"]
        before = encode_parties(table, SECRET, base)
        after = encode_parties(table, SECRET, params)
        assert after.equals(before) and after.schema.metadata == before.schema.metadata
    assert '"town_with": ["street", "postcode"]' in file_metadata(BOTH, SECRET)["params"]


def test_the_composite_holds_both_fields_qgrams() -> None:
    # Unfolded, a composite filter is exactly the OR of its host's filter and the town's own
    # filter (the town hashed under its filter key), for a record holding the host.
    unfolded = {"xor_fold": False}
    table = _table()
    for host in ("street", "postcode"):
        composite = encode_parties(table, SECRET, replace(BASE, town_with=(host,), **unfolded))
        plain = encode_parties(table, SECRET, replace(BASE, **unfolded))
        town = encode_parties(table, SECRET, replace(field_subset_params("city"), **unfolded))
        got, host_bits = _bits(composite, f"clk_{host}"), _bits(plain, f"clk_{host}")
        town_bits = _bits(town, "clk_city")
        assert (got[:3] == (host_bits[:3] | town_bits[:3])).all()
        assert (town_bits[:3] & ~host_bits[:3]).any()  # the town adds bits of its own
        # The record without a street or postcode gets no town bits there.
        assert not got[3].any() and town_bits[3].any()
        # Everything else is the plain encoding's.
        for column in plain.column_names:
            if column != f"clk_{host}":
                assert plain[column].equals(composite[column]), column


def test_identical_patterns_mean_host_and_town_and_the_town_still_counts() -> None:
    table = _table()
    plain, composite = (_bits(encode_parties(table, SECRET, p), "clk_street")
                        for p in (BASE, STREET))  # fmt: skip
    # a and b share a street in different towns: one pattern without, two with the town.
    assert (plain[0] == plain[1]).all() and not (composite[0] == composite[1]).all()
    # a and c share the town only: their composites share the town's bits.
    assert _dice(composite, 0, 2) > _dice(plain, 0, 2)
    # The field model reads the composite as its host's feature.
    li, ri = np.array([0, 0]), np.array([1, 2])
    enc = encode_parties(table, SECRET, STREET)
    features = pair_features(enc, enc, li, ri)
    agree = features[:, FEATURES.index("street_agree")]
    assert agree[0] < 1.0 and agree[1] > 0.0


def test_the_setting_is_stored_and_another_is_refused() -> None:
    table = _table()
    both = encode_parties(table, SECRET, BOTH)
    meta = {k.decode(): v.decode() for k, v in both.schema.metadata.items()}
    assert params_from_metadata(meta, "a") == BOTH and BOTH.town_with == ("street", "postcode")
    assert check_compatible(both, both) == BOTH
    for other in (BASE, STREET, POSTCODE):
        with pytest.raises(UserError, match="different parameters"):
            check_compatible(both, encode_parties(table, SECRET, other))


@pytest.mark.parametrize(
    ("params", "message"),
    [(lambda: PprlParams(town_with=("street",)), "needs that field's filter"),
     (lambda: replace(field_subset_params("name,postcode"), town_with=("street",)),
      "needs that field's filter"),
     (lambda: replace(FIELD_PARAMS, town_with=("street",)), "without a filter of its own"),
     (lambda: replace(BASE, town_with=("name",)), "street, postcode only"),
     (lambda: replace(BASE, town_with="street"), "sequence")],
)  # fmt: skip
def test_unusable_settings_are_refused(params: object, message: str) -> None:
    with pytest.raises(UserError, match=message):
        params()  # type: ignore[operator]


def test_cli_round_trip_and_refusals(tmp_path: Path) -> None:
    key = tmp_path / "secret.key"
    key.write_bytes(b"k" * 40 + b"\n")
    header = "id,name,street,city,postcode,country\n"
    rows = "a,Anna Berg,12 High Street,Leeds,LS1 4AB,GB\nb,Xu Wen,7 Mill Lane,York,,GB\n"
    (tmp_path / "a.csv").write_text(header + rows)
    fields = ["--filter-fields", "name,street,postcode"]
    for out, extra in (("a", [*fields, "--town-with", "postcode, street"]), ("b", fields)):
        code, stdout, _ = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / f"{out}.parquet", *extra)  # fmt: skip
        assert code == 0, stdout
    enc = read_encodings(tmp_path / "a.parquet")
    meta = {k.decode(): v.decode() for k, v in enc.schema.metadata.items()}
    assert params_from_metadata(meta, "a").town_with == ("street", "postcode")
    plain = read_encodings(tmp_path / "b.parquet")
    assert enc["clk_street"] != plain["clk_street"] and enc["clk_name"] == plain["clk_name"]
    code, _, stderr = _run("pprl", "match", tmp_path / "a.parquet", tmp_path / "b.parquet")
    assert code == 2 and "different parameters" in stderr
    refusals = (
        (["--town-with", "street"], "needs that field's filter"),
        (["--field-filters", "--town-with", "street"], "without a filter of its own"),
        ([*fields, "--town-with", "country"], "street, postcode only"),
    )
    for bad, message in refusals:
        code, _, stderr = _run("pprl", "encode", tmp_path / "a.csv", "--secret-file", key,
                               "--out", tmp_path / "x.parquet", *bad)  # fmt: skip
        assert code == 2 and message in stderr, stderr


def test_the_joint_naming_finds_towns_the_town_order_misses() -> None:
    # Four groups of identical composites; the census's town order alone names the two
    # largest groups wrongly (both towns 'x' by rank), the joint order names them right.
    truth = ["x"] * 4 + ["y"] * 3 + ["x"] * 2 + ["z"] * 1
    hosts = ["h1"] * 4 + ["h2"] * 3 + ["h3"] * 2 + ["h4"] * 1
    bits = np.zeros((10, 64), dtype=np.uint8)
    for row, host in enumerate(hosts):
        bits[row, int(host[1]) * 8 : int(host[1]) * 8 + 4] = 1
    census_town = ["x"] * 6 + ["y"] * 3 + ["z"] * 1
    census_joint = joint(["h1"] * 4 + ["h2"] * 3 + ["h3"] * 2 + ["h4"], census_town[:4]
                         + ["y"] * 3 + ["x"] * 2 + ["z"])  # fmt: skip
    found = attack_composite(bits, truth, census_town, census_joint, 1)
    assert found["reidentified"] == 1.0 and found["naming"] == "joint"
    town_only = attack_composite(bits, truth, census_town, census_town, 0)
    assert town_only["reidentified"] < 1.0


def test_the_attack_covers_the_composite() -> None:
    # Census and attacked file alike: three towns of 60 records, each street in one town.
    def people(prefix: str) -> pa.Table:
        towns = ["leeds"] * 30 + ["york"] * 20 + ["hull"] * 10
        rows = [{"id": f"{prefix}{i}", "name": f"anna berg {prefix}{i}x", "city": towns[i],
                 "street": f"{i % 7 + 1} {towns[i]} road" if i % 6 else None,
                 "postcode": f"ab{i % 5} {i % 3}cd", "country": "GB"}
                for i in range(60)]  # fmt: skip
        return parties(*rows)

    table, census = people("r"), people("c")
    plain = attack_world(census, [encode_parties(table, SECRET, BASE)], [table])
    for params, hosts in ((STREET, ["street"]), (POSTCODE, ["postcode"]), (BOTH,
                          ["street", "postcode"])):  # fmt: skip
        found = attack_world(census, [encode_parties(table, SECRET, params)], [table])
        assert {f"clk_{h}+city" for h in hosts} <= set(found["city"])
        for host in hosts:
            block = found["city"][f"clk_{host}+city"]
            # Only records holding the host are attacked through its composite.
            assert block["records"] == (50 if host == "street" else 60)
            assert {"clk_same_records", "blind_guess", "naming"} <= set(block)
            # The host through its own composite, not through a plain filter any more.
            assert f"clk_{host}+city" in found[host] and f"clk_{host}" not in found[host]
        # Towns shared by many records are named through the composite: at least the blind
        # guess, and more than the CLK alone gives (the composite gathers by town).
        best = max(found["city"][f"clk_{h}+city"]["reidentified"] for h in hosts)
        assert best > plain["city"]["clk"]["reidentified"]
    assert "clk_street+city" not in plain["city"] and "clk_street" in plain["street"]
