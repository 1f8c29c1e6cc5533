"""Name-word features from the block keys (``pprl/name_keys.py``, docs/pprl.md round 20): the
one-word keys are read back from the count of keys, the features say what a reader of the two
names would, and ``pprl fit --matches --name-key-features`` learns and uses them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bench._pprl_attack_keys import word_key_block
from ringfence.errors import InputFileError
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.field_model import (
    FEATURES,
    FieldModel,
    fit_field_model,
    load_field_model,
    pair_features,
)
from ringfence.resolve.pprl.io import write_encodings
from ringfence.resolve.pprl.match import scored_pairs
from ringfence.resolve.pprl.name_keys import NAME_KEY_FEATURES, name_key_features, word_keys
from ringfence.resolve.pprl.params import FIELD_PARAMS, PprlParams
from tests.resolve.test_pprl import SECRET, _run, parties
from tests.resolve.test_pprl_unsupervised import _world

NAMES = ["eustace", "eustace parke olive", "baltic retail", "delta retail", "zork quibble",
         "john read", "maurice read"]  # fmt: skip
# Many Johns, one Eustace: "john" is common, "eustace" and "read" are rare.
FILLER = [f"john {s}" for s in ("adams", "brown", "clark", "dixon", "evans", "frost", "gray")]


def _encoded(names: list[str], params: PprlParams, dated: bool = False) -> pa.Table:
    born = "1901-02-03" if dated else None
    rows = [{"id": f"x{i}", "name": n, "country": "GB", "birth_date": born}
            for i, n in enumerate(names)]  # fmt: skip
    return encode_parties(parties(*rows), SECRET, params)


@pytest.mark.parametrize("params", [PprlParams(), FIELD_PARAMS], ids=["name keys", "+ date key"])
def test_the_one_word_keys_are_read_back_with_or_without_a_date_key(params: PprlParams) -> None:
    names = ["eustace", "eustace parke olive", "alpha bravo charlie delta echo foxtrot"]
    table = _encoded(names, params, True)
    keys = word_keys(table)
    # One key per Soundex code of the name's words, at most block_words (5) of them.
    assert [len(k) for k in keys] == [1, 3, 5]
    lists = table.column("block_keys").to_pylist()
    assert keys[0] == lists[0][:1] and keys[1] == lists[1][:3]
    assert keys[0][0] in keys[1]  # "eustace" is one word key of both


def test_the_features_say_what_a_reader_of_the_two_names_would() -> None:
    table = _encoded(NAMES + FILLER, PprlParams())
    index = {n: i for i, n in enumerate(NAMES + FILLER)}
    pairs = [("eustace", "eustace parke olive"), ("baltic retail", "delta retail"),
             ("eustace", "zork quibble"), ("john read", "maurice read"),
             ("john read", "john adams")]  # fmt: skip
    li = np.array([index[a] for a, _ in pairs])
    ri = np.array([index[b] for _, b in pairs])
    f = name_key_features(table, table, li, ri)
    partial, retail, nothing, read, john = range(5)
    # A partial name: all of the shorter one's words shared, so "contained"; none unshared.
    assert f["name_key_contained"][partial] == f["name_key_rarity"][partial] > 0
    assert f["name_key_unshared"][partial] == 0
    # Two company names sharing a word, each with a word of its own.
    assert f["name_key_rarity"][retail] > 0 and f["name_key_contained"][retail] == 0
    assert f["name_key_unshared"][retail] > 0
    # No shared word: no evidence either way.
    assert all(f[name][nothing] == 0 for name in NAME_KEY_FEATURES)
    # "read" (2 of 14 records) is rarer than "john" (8 of 14).
    assert f["name_key_rarity"][read] > f["name_key_rarity"][john] > 0
    assert f["name_key_rarity"][read] == pytest.approx(-np.log(2 / 14))
    assert len(name_key_features(table, table, li[:0], ri[:0])["name_key_rarity"]) == 0


def test_the_features_are_computed_only_when_asked_and_scored_when_weighed() -> None:
    table = _encoded(NAMES + FILLER, FIELD_PARAMS)
    li, ri = np.array([0]), np.array([1])  # eustace / eustace parke olive
    column = FEATURES.index("name_key_rarity")
    assert pair_features(table, table, li, ri)[0, column] == 0
    assert pair_features(table, table, li, ri, name_keys=True)[0, column] > 0
    plain = FieldModel({"name_agree": 4.0}, -2.0)
    weighing = FieldModel({"name_agree": 4.0, "name_key_rarity": 1.0}, -2.0)
    assert scored_pairs(table, table, li, ri, weighing)[0][0] > scored_pairs(
        table, table, li, ri, plain
    )[0][0]
    # Unshared words never count for a match, shared ones never against.
    x = np.zeros((4, len(FEATURES)))
    x[:, column] = [0.0, 0.0, 3.0, 3.0]
    x[:, FEATURES.index("name_key_unshared")] = [3.0, 3.0, 0.0, 0.0]
    labels = np.array([True, False, True, False])
    fitted = fit_field_model(x, labels, name_keys=True)
    assert fitted.coefficients.get("name_key_unshared", 0.0) <= 0
    assert fitted.coefficients.get("name_key_rarity", 0.0) >= 0
    assert set(NAME_KEY_FEATURES).isdisjoint(fit_field_model(x, labels).coefficients)


def test_pprl_fit_learns_them_from_known_matches_only(tmp_path: Path) -> None:
    left, right, truth = _world()
    for name, rows in (("l.parquet", left), ("r.parquet", right)):
        write_encodings(encode_parties(parties(*rows), SECRET, FIELD_PARAMS), tmp_path / name)
    files = [tmp_path / "l.parquet", tmp_path / "r.parquet"]
    (tmp_path / "k.csv").write_text(
        "left_id,right_id\n" + "".join(f"{a},{b}\n" for a, b in sorted(truth))
    )
    code, _, stderr = _run("pprl", "fit", *files, "--matches", tmp_path / "k.csv",
                           "--name-key-features", "--out", tmp_path / "m.json")  # fmt: skip
    assert code == 0, stderr
    model = load_field_model(tmp_path / "m.json")
    assert set(model.coefficients) & set(NAME_KEY_FEATURES)
    code, _, stderr = _run("pprl", "match", *files, "--model", tmp_path / "m.json",
                                "--entities", "--out", tmp_path / "e.csv")  # fmt: skip
    assert code == 0, stderr
    assert (tmp_path / "e.csv").read_text().count("\n") > 100
    code, _, stderr = _run("pprl", "fit", *files, "--unsupervised", "--name-key-features",
                           "--out", tmp_path / "x.json")  # fmt: skip
    assert code != 0 and "--name-key-features" in stderr and "go with --matches" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "x.json").exists()


def test_a_model_file_that_counts_an_unshared_word_for_a_match_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"coefficients": {"name_key_unshared": 1.0}, "intercept": 0.0}')
    with pytest.raises(InputFileError, match=r"name_key_unshared.*<= 0"):
        load_field_model(path)
    path.write_text('{"coefficients": {"name_key_rarity": -1.0}, "intercept": 0.0}')
    with pytest.raises(InputFileError, match=r"name_key_rarity.*>= 0"):
        load_field_model(path)


def test_the_attack_on_one_word_keys_names_the_common_words_by_the_census() -> None:
    surnames = ["adler", "baker", "castro", "dubois", "eriksen", "fischer", "garcia", "haddad",
                "ivanova", "lindqvist", "underwood", "novak", "okafor", "petrov", "quinn",
                "rossi"]  # fmt: skip
    names = [f"{'john' if i < 12 else 'mary'} {s}" for i, s in enumerate(surnames)]
    table = parties(*({"id": str(i), "name": n, "country": "GB"} for i, n in enumerate(names)))
    census = parties(*({"id": f"c{i}", "name": "john" if i < 30 else "mary", "country": "GB"}
                       for i in range(40)))  # fmt: skip
    result = word_key_block([encode_parties(table, SECRET, FIELD_PARAMS)], [table], census, 0)
    # 16 records, two words each: the 12 johns' and 4 marys' first-name keys are named right
    # (the two largest groups, the census's two codes); no surname is (the census has none).
    assert result["items"] == 32 and result["records"] == 16
    assert result["reidentified"] == 0.5 and result["blind_guess"] == 0.375
    assert result["records_with_a_word_named"] == 1.0 and result["values"] == 2
