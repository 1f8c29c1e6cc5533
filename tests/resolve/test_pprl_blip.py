"""PPRL BLIP hardening (``PprlParams.flip_probability``): keyed bit flips at the rate the
literature defines, files without it unchanged, and encodings flipped differently refused."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from ringfence.errors import UserError
from ringfence.resolve.pprl import PprlParams, encode_parties, match_encodings
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.match import check_compatible, clk_matrix
from ringfence.resolve.pprl.params import FIELD_PARAMS, file_metadata, params_from_metadata
from tests.resolve.test_pprl import OTHER_SECRET, SECRET, _run, parties
from tests.resolve.test_pprl import files as files  # the fixture

SMITH = {"name": "John Smith", "city": "Leeds", "birth_date": "1970-01-01", "country": "GB"}


def _many(n: int) -> pa.Table:
    return parties(*({**SMITH, "id": str(i)} for i in range(n)))


def _bits(table: pa.Table, column: str = "clk") -> np.ndarray:
    return np.unpackbits(clk_matrix(table, column).view(np.uint8), axis=1)


def test_flip_probability_zero_is_todays_encoding_byte_for_byte() -> None:
    table = _many(20)
    for params in (PprlParams(), FIELD_PARAMS):
        before = encode_parties(table, SECRET, params)
        after = encode_parties(table, SECRET, replace(params, flip_probability=0.0))
        assert after.equals(before)
        assert after.schema.metadata == before.schema.metadata
    assert "flip_probability" not in file_metadata(PprlParams(), SECRET)["params"]


@pytest.mark.parametrize("f", [0.02, 0.1, 0.3])
def test_bits_change_with_probability_half_f(f: float) -> None:
    table = _many(3000)
    plain = encode_parties(table, SECRET, FIELD_PARAMS)
    flipped = encode_parties(table, SECRET, replace(FIELD_PARAMS, flip_probability=f))
    for column in ("clk", "clk_name", "clk_birth_date"):
        rate = float((_bits(plain, column) != _bits(flipped, column)).mean())
        assert abs(rate - f / 2) < 0.002, (column, rate)  # 3 million bits: sd ~0.0002


def test_flips_are_keyed_per_record_and_repeatable() -> None:
    params = replace(FIELD_PARAMS, flip_probability=0.1)
    table = _many(50)
    first, again = (encode_parties(table, SECRET, params) for _ in range(2))
    assert first.equals(again)
    bits = _bits(first, "clk_name")
    assert len({row.tobytes() for row in bits}) == 50  # one value, 50 ids: 50 filters
    other = _bits(encode_parties(table, OTHER_SECRET, params), "clk_name")
    plain = _bits(encode_parties(table, OTHER_SECRET, FIELD_PARAMS), "clk_name")
    assert not np.array_equal(bits ^ _bits(encode_parties(table, SECRET, FIELD_PARAMS), "clk_name"),
                              other ^ plain)  # fmt: skip


def test_an_empty_filter_stays_empty() -> None:
    table = parties({"id": "a", "name": "John Smith", "country": "GB"})
    encoded = encode_parties(table, SECRET, replace(FIELD_PARAMS, flip_probability=0.2))
    assert _bits(encoded, "clk_street").sum() == 0
    assert _bits(encoded, "clk_name").sum() > 0


def test_encodings_flipped_differently_are_refused() -> None:
    table = _many(3)
    flipped = encode_parties(table, SECRET, replace(FIELD_PARAMS, flip_probability=0.05))
    for other in (0.0, 0.1):
        params = replace(FIELD_PARAMS, flip_probability=other)
        with pytest.raises(UserError, match="different parameters"):
            check_compatible(flipped, encode_parties(table, SECRET, params))
    assert check_compatible(flipped, flipped).flip_probability == 0.05


def test_files_without_the_parameter_still_load_and_match(tmp_path: Path) -> None:
    # Metadata exactly as written before flip_probability existed.
    old = json.dumps({"scheme": "ringfence-pprl/1", "clk_bits": 1024, "q": 2, "padding": "_",
                      "k": PprlParams().k, "xor_fold": True, "exact_bytes": 16,
                      "block_bytes": 8, "block_words": 5}, sort_keys=True)  # fmt: skip
    params = params_from_metadata({"params": old, "secret_check": "x"}, "old.parquet")
    assert params == PprlParams() and params.flip_probability == 0.0
    encoded = encode_parties(parties({**SMITH, "id": "a"}), SECRET)
    assert encoded.schema.metadata[b"params"].decode() == old
    write_encodings(encoded, tmp_path / "a.parquet")
    pairs = match_encodings(read_encodings(tmp_path / "a.parquet"), encoded)
    assert pairs.to_pylist()[0]["score"] == 1.0


def test_flipped_files_round_trip_and_still_match(tmp_path: Path) -> None:
    params = replace(FIELD_PARAMS, flip_probability=0.02)
    left = encode_parties(parties({**SMITH, "id": "a"}), SECRET, params)
    right = encode_parties(parties({**SMITH, "id": "b", "name": "Jon Smith"}), SECRET, params)
    write_encodings(left, tmp_path / "a.jsonl")
    pairs = match_encodings(read_encodings(tmp_path / "a.jsonl"), right)
    assert [(r["left_id"], r["right_id"]) for r in pairs.to_pylist()] == [("a", "b")]


@pytest.mark.parametrize("bad", [-0.01, 1.0, 1.5, math.nan, True, "0.1"])
def test_unusable_flip_probabilities_are_refused(bad: object) -> None:
    with pytest.raises(UserError, match="flip_probability"):
        PprlParams(flip_probability=bad)  # type: ignore[arg-type]


def test_bit_epsilon_is_the_randomised_response_bound() -> None:
    assert PprlParams().bit_epsilon == math.inf
    assert PprlParams(flip_probability=0.1).bit_epsilon == pytest.approx(math.log(0.95 / 0.05))


def test_cli_encode_flips_and_refuses_a_mix(files: Path) -> None:
    key = files / "secret.key"
    for src, out, f in (("a.csv", "a.parquet", "0.05"), ("b.parquet", "b_enc.parquet", "0.05"),
                        ("b.parquet", "plain.parquet", "0")):  # fmt: skip
        code, stdout, _ = _run("pprl", "encode", files / src, "--secret-file", key,
                               "--out", files / out, "--flip-probability", f)  # fmt: skip
        assert code == 0, stdout
    meta = read_encodings(files / "a.parquet").schema.metadata
    params = params_from_metadata({k.decode(): v.decode() for k, v in meta.items()}, "a")
    assert params.flip_probability == 0.05
    code, stdout, _ = _run("pprl", "match", files / "a.parquet", files / "b_enc.parquet")
    assert code == 0 and "phone" in stdout
    code, _, stderr = _run("pprl", "match", files / "a.parquet", files / "plain.parquet")
    assert code == 2 and "different parameters" in stderr
    code, _, stderr = _run("pprl", "encode", files / "a.csv", "--secret-file", key, "--out",
                           files / "x.parquet", "--flip-probability", "1.5")  # fmt: skip
    assert code == 2 and "flip_probability" in stderr
