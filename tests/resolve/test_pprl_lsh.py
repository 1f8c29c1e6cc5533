"""MinHash candidates on the name filters (docs/pprl.md, round 10): a pair whose names share
no Soundex code is compared only with them; models without ``candidates`` compare as before."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ringfence.errors import InputFileError
from ringfence.resolve.pprl import encode_parties, match_encodings
from ringfence.resolve.pprl.field_model import FieldModel, fit_model, load_field_model
from ringfence.resolve.pprl.lsh import band_keys, minhash_pairs
from ringfence.resolve.pprl.match import candidate_pairs
from ringfence.resolve.pprl.params import FIELD_PARAMS, PprlParams
from tests.resolve.test_pprl import SECRET, parties

# "Khristina Tsvetaeva" and "Christina Csvetaeva" share no Soundex code (K623 T213 / C623
# C213) and the second has no date, so no key brings them together.
LEFT = [{"id": "a1", "name": "Khristina Tsvetaeva", "country": "US", "birth_date": "1980-12-18"},
        {"id": "a2", "name": "Hans Muller", "country": "DE", "birth_date": "1975-11-30"}]
RIGHT = [{"id": "b1", "name": "Christina Csvetaeva", "country": "US"},
         {"id": "b2", "name": "Hans Mueller", "country": "DE", "birth_date": "1975-11-30"},
         {"id": "b3", "name": "Wei Zhang", "country": "CN"},
         {"id": "b4", "name": "Hans Schmidt", "country": "DE"}]  # fmt: skip


def _tables(params: PprlParams = FIELD_PARAMS) -> tuple:
    return (
        encode_parties(parties(*LEFT), SECRET, params),
        encode_parties(parties(*RIGHT), SECRET, params),
    )


def _ids(left, right, li, ri) -> set[tuple[str, str]]:
    lid, rid = left["id"].to_pylist(), right["id"].to_pylist()
    return {(lid[a], rid[b]) for a, b in zip(li, ri, strict=True)}


def test_minhash_finds_a_pair_the_keys_miss() -> None:
    left, right = _tables()
    keyed = _ids(left, right, *candidate_pairs(left, right))
    assert ("a1", "b1") not in keyed
    assert ("a1", "b1") in _ids(left, right, *minhash_pairs(left, right))
    both = _ids(left, right, *candidate_pairs(left, right, lsh=True))
    assert both >= keyed | {("a1", "b1")}
    assert ("a1", "b3") not in both and ("a2", "b3") not in both


def test_band_keys_are_null_without_name_filters() -> None:
    left, _ = _tables(PprlParams())
    assert not band_keys(left)[1].any()
    assert len(minhash_pairs(left, left)[0]) == 0


def test_the_model_says_how_it_finds_pairs(tmp_path: Path) -> None:
    left, right = _tables()
    matches = {("a1", "b1"), ("a2", "b2")}
    plain = fit_model(left, right, matches).model
    lsh = fit_model(left, right, matches, lsh=True).model
    assert plain.candidates is None and lsh.candidates == "name_minhash"
    for model, expected in ((lsh, True), (plain, False)):
        pairs = match_encodings(left, right, 0.0, model=model).to_pylist()
        assert (("a1", "b1") in {(r["left_id"], r["right_id"]) for r in pairs}) is expected
    lsh.save(tmp_path / "m.json")
    assert load_field_model(tmp_path / "m.json") == lsh
    plain.save(tmp_path / "p.json")
    assert "candidates" not in json.loads((tmp_path / "p.json").read_text())
    data = json.loads((tmp_path / "m.json").read_text())
    (tmp_path / "bad.json").write_text(json.dumps({**data, "candidates": "all"}))
    with pytest.raises(InputFileError, match="'candidates' must be name_minhash"):
        load_field_model(tmp_path / "bad.json")
    assert replace(FieldModel({}, 0.0), candidates=None).candidates is None
