"""The date key's features (whether both records hold the birth-date block key and it agrees
or differs) and the Dice hinges (docs/pprl.md, rounds 8 and 9); fitted only when asked, so
other models score as before."""

from __future__ import annotations

import numpy as np

from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.extra_features import HINGE_FEATURES
from ringfence.resolve.pprl.field_model import (
    DATE_KEY_FEATURES,
    FEATURES,
    date_key_features,
    fit_model,
    pair_features,
)
from ringfence.resolve.pprl.match import candidate_pairs
from ringfence.resolve.pprl.params import FIELD_PARAMS, PprlParams
from tests.resolve.test_pprl import SECRET, parties
from tests.resolve.test_pprl_link_threshold import MATCHES, ROWS, TYPOS

RIGHT_ROWS = [
    *({"id": f"b{i}", "name": TYPOS[n], "country": c, "birth_date": d} for i, n, c, d in ROWS),
    {"id": "b9", "name": "Wei Zhang", "country": "CN", "birth_date": "1961-12-12"},
    {"id": "b8", "name": "Wei Zhang", "country": "CN"},  # no date: no key
]
LEFT_ROWS = [{"id": i, "name": n, "country": c, "birth_date": d} for i, n, c, d in ROWS]


def _pairs(params: PprlParams) -> dict[tuple[str, str], dict[str, float]]:
    left = encode_parties(parties(*LEFT_ROWS), SECRET, params)
    right = encode_parties(parties(*RIGHT_ROWS), SECRET, params)
    li, ri = candidate_pairs(left, right)
    matrix = pair_features(left, right, li, ri)
    lid, rid = left["id"].to_pylist(), right["id"].to_pylist()
    columns = [FEATURES.index(name) for name in DATE_KEY_FEATURES]
    return {
        (lid[a], rid[b]): dict(zip(DATE_KEY_FEATURES, matrix[k, columns].tolist(), strict=True))
        for k, (a, b) in enumerate(zip(li, ri, strict=True))
    }


def test_the_date_key_agrees_differs_or_is_absent() -> None:
    pairs = _pairs(FIELD_PARAMS)
    for pair in MATCHES:  # same date of birth, typo'd name
        assert pairs[pair] == {"birth_date_key_agree": 1.0, "birth_date_key_differ": 0.0}
    assert pairs[("1", "b9")] == {"birth_date_key_agree": 0.0, "birth_date_key_differ": 1.0}
    assert pairs[("1", "b8")] == {"birth_date_key_agree": 0.0, "birth_date_key_differ": 0.0}
    # The key without the date filter (--date-key-only in the bench) works the same.
    only_key = _pairs(PprlParams(field_filters=("name", "city"), block_on=("birth_date",)))
    assert only_key[("1", "b9")]["birth_date_key_differ"] == 1.0
    assert all(only_key[pair]["birth_date_key_agree"] == 1.0 for pair in MATCHES)


def test_no_date_key_no_features() -> None:
    left = encode_parties(parties(*LEFT_ROWS), SECRET, PprlParams())
    right = encode_parties(parties(*RIGHT_ROWS), SECRET, PprlParams())
    li, ri = candidate_pairs(left, right)
    assert date_key_features(left, right, li, ri) == {}
    columns = [FEATURES.index(name) for name in DATE_KEY_FEATURES]
    assert not pair_features(left, right, li, ri)[:, columns].any()


def test_the_fit_weighs_the_date_key_only_when_asked() -> None:
    left = encode_parties(parties(*LEFT_ROWS), SECRET, FIELD_PARAMS)
    right = encode_parties(parties(*RIGHT_ROWS), SECRET, FIELD_PARAMS)
    plain = fit_model(left, right, MATCHES).model
    assert not any(plain.coefficients.get(name) for name in DATE_KEY_FEATURES)
    keyed = fit_model(left, right, MATCHES, date_key=True).model
    assert keyed.coefficients["birth_date_key_agree"] > 0
    assert keyed.coefficients["birth_date_key_differ"] <= 0
    assert np.isfinite(keyed.intercept)


def test_dice_hinges_are_fitted_only_when_asked_and_keep_the_model_monotone() -> None:
    left = encode_parties(parties(*LEFT_ROWS), SECRET, FIELD_PARAMS)
    right = encode_parties(parties(*RIGHT_ROWS), SECRET, FIELD_PARAMS)
    li, ri = candidate_pairs(left, right)
    matrix = pair_features(left, right, li, ri)
    name = matrix[:, FEATURES.index("name_agree")]
    over = matrix[:, FEATURES.index("name_over70")]
    assert np.allclose(over, np.maximum(name - 0.7, 0.0) / 0.3)
    plain = fit_model(left, right, MATCHES).model
    assert not any(plain.coefficients.get(n) for n in HINGE_FEATURES)
    hinged = fit_model(left, right, MATCHES, hinges=True).model
    assert all(hinged.coefficients.get(n, 0.0) >= 0 for n in HINGE_FEATURES)
    assert any(hinged.coefficients.get(n) for n in HINGE_FEATURES)
    assert "name" in hinged.fields()
    # A higher name Dice never lowers the score.
    row = matrix[:1].copy()
    scores = []
    for d in np.linspace(0, 1, 21):
        row[0, FEATURES.index("name_agree")] = d
        row[0, FEATURES.index("name_disagree")] = 1 - d
        for n, k in (("name_over50", 0.5), ("name_over70", 0.7), ("name_over90", 0.9)):
            row[0, FEATURES.index(n)] = max(d - k, 0.0) / (1 - k)
        scores.append(float(hinged.score(row)[0]))
    assert scores == sorted(scores)
