"""Name block keys a file holds too often are withheld (``pprl/name_block.py``,
``PprlParams.name_key_max_share``, docs/pprl.md round 21): the common word's key is not sent,
the pair keys still find the match, the receiver still reads the word and date keys, the
parameter is checked and stored, and the frequency attack on the word keys loses the common
words."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bench._pprl_attack_keys import word_key_block
from ringfence.errors import UserError
from ringfence.resolve.pprl import encode_parties, match_encodings
from ringfence.resolve.pprl.extra_features import date_key_features
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.name_block import (
    MIN_WITHHELD,
    NAME_KEY_COUNT,
    WORD_KEY_COUNT,
    name_key_texts,
    over_shared,
)
from ringfence.resolve.pprl.name_keys import word_keys
from ringfence.resolve.pprl.params import FIELD_PARAMS, PprlParams
from tests.resolve.test_pprl import SECRET, _run, parties

SURNAMES = ["adler", "baker", "castro", "dubois", "eriksen", "fischer", "garcia", "haddad",
            "ivanova", "lindqvist", "underwood", "novak", "okafor", "petrov", "quinn",
            "rossi", "svensson", "tanaka", "umarov", "vargas", "weber", "xu", "yilmaz",
            "zeller"]  # fmt: skip
# 24 Johns among 30 records: "john" (J500) is held by 80 % of the file.
NAMES = [f"john {s}" for s in SURNAMES] + ["mary adler", "eustace", "ada lovelace",
                                           "alan turing", "grace hopper", "kurt goedel"]


def _table(names: list[str], prefix: str = "x", born: str | None = "1901-02-03") -> pa.Table:
    return parties(*({"id": f"{prefix}{i}", "name": n, "country": "GB", "birth_date": born}
                     for i, n in enumerate(names)))  # fmt: skip


def _params(share: float, base: PprlParams = FIELD_PARAMS) -> PprlParams:
    return replace(base, name_key_max_share=share)


def test_a_key_held_by_more_than_the_share_and_the_floor_is_withheld() -> None:
    texts = [name_key_texts(n.split(), "gb", 5) for n in NAMES]
    assert texts[0] == ["A346|gb", "J500|gb", "A346+J500|gb"]
    assert over_shared(texts, 0.5) == {"J500|gb"}  # 24 > max(15, 10)
    assert over_shared(texts, 0.9) == frozenset()  # 24 <= 27
    assert over_shared(texts, 0.0) == frozenset()  # off
    # The floor: in a small file no key held by MIN_WITHHELD records or fewer is withheld.
    small = [name_key_texts(["john", s], "gb", 5) for s in SURNAMES[:MIN_WITHHELD]]
    assert over_shared(small, 0.01) == frozenset()
    assert over_shared([*small, ["J500|gb"]], 0.01) == {"J500|gb"}


@pytest.mark.parametrize("base", [PprlParams(), FIELD_PARAMS], ids=["name keys", "+ date key"])
def test_the_receiver_reads_the_kept_word_keys_and_the_date_key(base: PprlParams) -> None:
    table = encode_parties(_table(NAMES), SECRET, _params(0.5, base))
    plain = encode_parties(_table(NAMES), SECRET, base)
    lists, full = table["block_keys"].to_pylist(), plain["block_keys"].to_pylist()
    # "john adler": the "john" key is gone, "adler" and the pair "adler + john" stay.
    assert lists[0] == [full[0][0], *full[0][2:]]
    assert table[WORD_KEY_COUNT].to_pylist()[:2] == [1, 1]
    assert table[NAME_KEY_COUNT].to_pylist()[:2] == [2, 2]
    assert word_keys(table)[0] == [full[0][0]] and word_keys(plain)[0] == full[0][:2]
    assert word_keys(table)[NAMES.index("eustace")] == full[NAMES.index("eustace")][:1]
    # "john adler" has 3 keys (+1 date key): read by count alone, that would look like a
    # two-word name without its date key; the stored counts tell the date key apart.
    li = ri = np.arange(len(NAMES))
    agree = date_key_features(table, table, li, ri).get("birth_date_key_agree")
    if "birth_date" in base.block_on:
        assert agree is not None and agree.tolist() == [1.0] * len(NAMES)
    else:
        assert agree is None


def test_a_match_on_a_withheld_common_word_is_still_found_by_its_other_keys() -> None:
    params = _params(0.5, PprlParams())
    left = encode_parties(_table(NAMES, born=None), SECRET, params)
    right = encode_parties(_table(["jon adler", *NAMES[1:]], "y", born=None), SECRET, params)
    pairs = match_encodings(left, right, threshold=0.0)
    assert ("x0", "y0") in set(zip(pairs["left_id"].to_pylist(), pairs["right_id"].to_pylist(),
                                   strict=True))  # fmt: skip


@pytest.mark.parametrize("share", [-0.1, 1.0, math.nan, math.inf, True, "0.1"])
def test_a_share_outside_zero_to_one_is_refused(share: object) -> None:
    with pytest.raises(UserError, match="name_key_max_share"):
        PprlParams(name_key_max_share=share)  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", ["parquet", "jsonl"])
def test_the_share_and_the_counts_are_stored_and_read_back(tmp_path: Path, suffix: str) -> None:
    table = encode_parties(_table(NAMES), SECRET, _params(0.5))
    path = tmp_path / f"e.{suffix}"
    write_encodings(table, path)
    back = read_encodings(path)
    assert back[WORD_KEY_COUNT].to_pylist() == table[WORD_KEY_COUNT].to_pylist()
    assert "name_key_max_share" in back.schema.metadata[b"params"].decode()
    off = encode_parties(_table(NAMES), SECRET, FIELD_PARAMS)
    assert "name_key_max_share" not in off.schema.metadata[b"params"].decode()
    assert WORD_KEY_COUNT not in off.column_names
    with pytest.raises(UserError, match="different parameters"):
        match_encodings(back, off)


def test_cli_encode_withholds_and_refuses_a_bad_share_in_one_line(tmp_path: Path) -> None:
    import pyarrow.csv as pcsv

    pcsv.write_csv(_table(NAMES), tmp_path / "a.csv")
    (tmp_path / "secret.key").write_bytes(SECRET)
    common = ("pprl", "encode", tmp_path / "a.csv", "--secret-file", tmp_path / "secret.key")
    code, stdout, _ = _run(*common, "--out", tmp_path / "a.parquet", "--name-key-max-share",
                           "0.5")  # fmt: skip
    assert code == 0, stdout
    assert read_encodings(tmp_path / "a.parquet")[NAME_KEY_COUNT].to_pylist()[0] == 2
    code, stdout, stderr = _run(*common, "--out", tmp_path / "b.parquet",
                                "--name-key-max-share", "1.5")  # fmt: skip
    assert code == 2 and "name_key_max_share" in stdout + stderr
    assert "Traceback" not in stdout + stderr and not (tmp_path / "b.parquet").exists()


def test_the_attack_no_longer_names_the_withheld_common_word() -> None:
    table = _table(NAMES)
    census = parties(*({"id": f"c{i}", "name": "john" if i < 30 else "mary", "country": "GB"}
                       for i in range(40)))  # fmt: skip
    before = word_key_block([encode_parties(table, SECRET, FIELD_PARAMS)], [table], census, 0)
    after = word_key_block([encode_parties(table, SECRET, _params(0.5))], [table], census, 0)
    # Before: the 24 johns' first-name keys are the largest group, named "J500" by the census.
    assert before["reidentified"] >= 24 / before["items"]
    # After: their keys are withheld; the census (with or without the encoder's rule) names
    # no other group right, while the blind guess is the same.
    assert after["items"] == before["items"] and after["kept"] == before["items"] - 24
    assert after["reidentified"] < 0.05 and after["blind_guess"] == before["blind_guess"]


def test_the_bench_attack_reads_the_date_key_after_the_kept_name_keys() -> None:
    from bench._pprl_attack import date_keys

    params = _params(0.5)
    dated = encode_parties(_table(NAMES), SECRET, params)
    assert date_keys([dated], params) == [k[-1] for k in dated["block_keys"].to_pylist()]
    undated = encode_parties(_table(NAMES, born=None), SECRET, params)
    assert date_keys([undated], params) == [""] * len(NAMES)


@pytest.mark.parametrize(
    ("field", "value"),
    [(WORD_KEY_COUNT, -1), (WORD_KEY_COUNT, 3), (NAME_KEY_COUNT, 99)],
)
@pytest.mark.parametrize("suffix", ["parquet", "jsonl"])
def test_a_crafted_count_of_keys_is_refused_naming_file_row_and_field(
    tmp_path: Path, field: str, value: int, suffix: str
) -> None:
    from ringfence.errors import InputFileError

    table = encode_parties(_table(NAMES), SECRET, _params(0.5))
    counts = table[field].to_pylist()
    counts[2] = value
    crafted = table.set_column(table.schema.get_field_index(field),
                               table.schema.field(field), pa.array(counts, pa.int16()))  # fmt: skip
    path = tmp_path / f"e.{suffix}"
    write_encodings(crafted, path)
    with pytest.raises(InputFileError) as caught:
        read_encodings(path)
    # Parquet: the third record is row 3; JSON lines: line 4 (the first holds the parameters).
    assert caught.value.row == (3 if suffix == "parquet" else 4)
    assert caught.value.field == field and "out of range" in str(caught.value)
