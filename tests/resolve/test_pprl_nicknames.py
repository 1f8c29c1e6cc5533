"""Persons' nickname keys in PPRL encodings (``PprlParams.name_nicknames``, docs/pprl.md round
12): "Bill Searle" and "William Searle" share a keyed key, a fitted model weighs a shared key
between different names, `pprl encode --nickname-keys` writes them and `pprl fit` uses them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bench._pprl_attack_keys import nickname_key_block
from ringfence.errors import UserError
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.extra_features import nickname_features
from ringfence.resolve.pprl.field_model import FEATURES, fit_model, pair_features
from ringfence.resolve.pprl.io import read_encodings, write_encodings
from ringfence.resolve.pprl.match import candidate_pairs
from ringfence.resolve.pprl.params import FIELD_PARAMS, PprlParams, file_metadata
from tests.resolve.test_pprl import SECRET, _run, parties

PARAMS = replace(FIELD_PARAMS, name_nicknames=True)
# (formal, nickname) given names and a surname each: one person per row on both sides.
PEOPLE = [
    ("William", "Bill", "Searle"), ("Thomas", "Tom", "Whitehead"), ("Edward", "Ned", "Wotton"),
    ("Robert", "Bob", "Hale"), ("James", "Jim", "Carr"), ("Katherine", "Kate", "Moore"),
    ("Elizabeth", "Liz", "Parr"), ("Frederick", "Fred", "Nodder"), ("Samuel", "Sam", "Tuke"),
    ("Raymond", "Ray", "Dalziel"),
]  # fmt: skip
# Other people of the same surnames (not matches), so the fit sees non-matches too.
OTHERS = ["George", "Henry", "Arthur", "Charles", "Walter", "Ada", "Mary", "Hugh", "Ernest", "Ann"]


def _keys(*rows: dict[str, str | None]) -> list[list[str]]:
    return encode_parties(parties(*rows), SECRET, PARAMS)["nickname_keys"].to_pylist()


def test_a_name_and_its_nickname_share_a_key_other_given_names_do_not() -> None:
    bill, william, albert, alfred, searle = _keys(
        {"id": "1", "name": "Bill Searle", "country": "GB"},
        {"id": "2", "name": "SEARLE, William", "country": "GB"},
        {"id": "3", "name": "Albert Smith", "country": "GB"},
        {"id": "4", "name": "Alfred Smith", "country": "GB"},
        {"id": "5", "name": "Searle", "country": "GB"},
    )
    assert set(bill) & set(william)
    assert not set(albert) & set(alfred)  # two formal names, never one another's nickname
    assert searle == []  # no given name the table knows
    abroad, company = _keys(
        {"id": "1", "name": "William Searle", "country": "US"},
        {"id": "2", "name": "Bill Searle", "country": "GB", "schema": "Company"},
    )
    assert not set(abroad) & set(william)  # keyed with the country
    assert company == []  # persons only


def test_the_parameter_is_stored_only_when_on_and_must_be_a_flag() -> None:
    assert "name_nicknames" not in json.loads(file_metadata(FIELD_PARAMS, SECRET)["params"])
    assert json.loads(file_metadata(PARAMS, SECRET)["params"])["name_nicknames"] is True
    with pytest.raises(UserError, match="name_nicknames must be true or false"):
        PprlParams(name_nicknames="yes")  # type: ignore[arg-type]
    assert "nickname_keys" not in encode_parties(parties({"id": "1"}), SECRET).column_names


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_keys_survive_writing_and_reading(tmp_path: Path, suffix: str) -> None:
    table = encode_parties(parties({"id": "1", "name": "Tom Hirst", "country": "GB"}), SECRET,
                           PARAMS)  # fmt: skip
    write_encodings(table, tmp_path / f"e{suffix}")
    read = read_encodings(tmp_path / f"e{suffix}")
    assert read["nickname_keys"].to_pylist() == table["nickname_keys"].to_pylist() != [[]]


LEFT = [{"id": f"a{i}", "name": f"{formal} {surname}", "country": "GB"}
        for i, (formal, _, surname) in enumerate(PEOPLE)]  # fmt: skip
RIGHT = [
    *({"id": f"b{i}", "name": f"{nick} {surname}", "country": "GB"}
      for i, (_, nick, surname) in enumerate(PEOPLE)),
    *({"id": f"c{i}", "name": f"{other} {surname}", "country": "GB"}
      for i, (other, (*_, surname)) in enumerate(zip(OTHERS, PEOPLE, strict=True))),
    {"id": "d0", "name": "William Searle", "country": "GB"},  # the same name as a0
]  # fmt: skip


def _sides(params: PprlParams) -> tuple[pa.Table, pa.Table]:
    return (encode_parties(parties(*LEFT), SECRET, params),
            encode_parties(parties(*RIGHT), SECRET, params))  # fmt: skip


def test_the_feature_marks_a_nickname_variant_not_the_same_name_nor_another_name() -> None:
    left, right = _sides(PARAMS)
    li, ri = candidate_pairs(left, right)
    feature = nickname_features(left, right, li, ri)["name_nickname_agree"]
    lid, rid = left["id"].to_pylist(), right["id"].to_pylist()
    by_pair = {(lid[a], rid[b]): f for a, b, f in zip(li, ri, feature, strict=True)}
    assert all(by_pair[(f"a{i}", f"b{i}")] == 1.0 for i in range(len(PEOPLE)))
    assert by_pair[("a0", "d0")] == 0.0  # one name written alike: the name filter says so
    assert not any(f for (_, b), f in by_pair.items() if b.startswith("c"))
    plain = _sides(FIELD_PARAMS)
    assert nickname_features(*plain, li, ri) == {}


def test_a_fitted_model_weighs_the_key_only_when_asked() -> None:
    left, right = _sides(PARAMS)
    matches = [(f"a{i}", f"b{i}") for i in range(len(PEOPLE))] + [("a0", "d0")]
    column = FEATURES.index("name_nickname_agree")
    without = fit_model(left, right, matches).model
    assert without.coefficients.get("name_nickname_agree", 0.0) == 0.0
    fitted = fit_model(left, right, matches, nicknames=True).model
    assert fitted.coefficients["name_nickname_agree"] > 0
    li, ri = candidate_pairs(left, right)
    features = pair_features(left, right, li, ri)
    variants = features[:, column] == 1.0
    assert variants.sum() == len(PEOPLE)
    assert np.all(fitted.score(features)[variants] > without.score(features)[variants])


def test_cli_encodes_keys_and_fit_weighs_them(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_bytes(SECRET)
    for name, rows, table in zip("ab", (LEFT, RIGHT), _sides(PARAMS), strict=True):
        (tmp_path / f"{name}.csv").write_text(
            "id,name,country\n" + "".join(f"{r['id']},{r['name']},GB\n" for r in rows)
        )
        code, out, _ = _run(
            "pprl", "encode", tmp_path / f"{name}.csv", "--secret-file", tmp_path / "secret.key",
            "--out", tmp_path / f"{name}.parquet", "--field-filters", "--nickname-keys",
        )  # fmt: skip
        assert code == 0, out
        written = read_encodings(tmp_path / f"{name}.parquet")
        assert written["nickname_keys"].to_pylist() == table["nickname_keys"].to_pylist()
    (tmp_path / "m.csv").write_text(
        "left_id,right_id\n" + "".join(f"a{i},b{i}\n" for i in range(len(PEOPLE)))
    )
    code, out, _ = _run(
        "pprl", "fit", tmp_path / "a.parquet", tmp_path / "b.parquet", "--matches",
        tmp_path / "m.csv", "--out", tmp_path / "model.json",
    )  # fmt: skip
    assert code == 0, out
    model = json.loads((tmp_path / "model.json").read_text())
    assert model["coefficients"]["name_nickname_agree"] > 0


def test_the_attack_groups_by_key_lists_or_by_the_commonest_key() -> None:
    rows = [{"id": str(i), "name": n, "country": "GB"} for i, n in enumerate(
        ["Bill Searle"] * 4 + ["William Searle"] * 3 + ["Tom Hirst"] * 2 + ["Searle"])]  # fmt: skip
    encodings = [encode_parties(parties(*rows), SECRET, PARAMS)]
    truth = ["bill searle"] * 4 + ["searle william"] * 3 + ["hirst tom"] * 2 + ["searle"]
    census = ["bill searle"] * 6 + ["searle william"] * 4 + ["hirst tom"] * 3 + ["searle"]
    result = nickname_key_block(encodings, truth, census, seed=0)
    assert result["records"] == 10 and result["with_keys"] == 9
    # Grouped by whole key lists, the groups' sizes follow the census: all 10 named right.
    # By the commonest key, Bill and William are one group of 7, named "bill searle".
    assert result["grouping"] == "key_list"
    assert result["reidentified"] == 1.0
