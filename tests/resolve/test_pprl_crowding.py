"""Crowding (docs/pprl.md, round 17): how many candidates a pair's two records meet weighs
against an agreeing name, in the unsupervised fit's EM (the name's top level split in
crowding classes) and in the field model (``name_crowding``, weight <= 0), and every scoring
path counts a record's candidates in the left × right comparison."""

from __future__ import annotations

import numpy as np
import pytest

from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.entities import score_links
from ringfence.resolve.pprl.extra_features import (
    TOP_NAME_DICE,
    crowding,
    crowding_features,
    record_degrees,
)
from ringfence.resolve.pprl.field_model import FEATURES, FieldModel, pair_features
from ringfence.resolve.pprl.match import candidate_pairs, match_encodings
from ringfence.resolve.pprl.params import FIELD_PARAMS
from ringfence.resolve.pprl.unsupervised import (
    comparison_levels,
    crowding_classes,
    fit_unsupervised,
    level_sizes,
)
from tests.resolve.test_pprl import SECRET, parties
from tests.resolve.test_pprl_unsupervised import _world

CROWDING = FEATURES.index("name_crowding")


def test_degrees_count_candidates_and_crowding_takes_the_fewer() -> None:
    li, ri = np.array([0, 0, 0, 1]), np.array([0, 1, 2, 2])
    left, right = record_degrees(li, ri, 3, 4)
    assert left.tolist() == [3, 1, 0]
    assert right.tolist() == [1, 1, 2, 0]
    assert crowding((left, right), li, ri) == pytest.approx(np.log1p([1, 1, 2, 1]))


def test_crowding_counts_only_where_the_names_agree() -> None:
    columns = {"name_agree": np.array([1.0, TOP_NAME_DICE, 0.5, 0.0])}
    degrees = (np.array([9, 9, 9, 9]), np.array([9, 9, 9, 9]))
    at = np.arange(4)
    found = crowding_features(columns, degrees, at, at)["name_crowding"]
    assert found == pytest.approx([np.log(10), 0.0, 0.0, 0.0])
    assert crowding_features(columns, None, at, at) == {}
    assert crowding_features({}, degrees, at, at) == {}


def test_crowding_never_counts_for_a_match() -> None:
    with pytest.raises(ValueError, match=r"name_crowding.*<= 0"):
        FieldModel({"name_crowding": 0.5}, 0.0)


def test_the_em_splits_the_names_top_level_by_crowding_class() -> None:
    features = np.zeros((4, len(FEATURES)))
    name_agree, name_disagree = FEATURES.index("name_agree"), FEATURES.index("name_disagree")
    features[:, name_agree] = [1.0, 1.0, 1.0, 0.45]
    features[:, name_disagree] = 1.0 - features[:, name_agree]
    edges = {"name": np.array([0.98, 0.9, 0.5])}
    crowded = crowding_classes(np.log1p([1.0, 5.0, 50.0, 50.0]), np.log1p([2.0, 10.0]))
    assert crowded.tolist() == [0, 1, 2, 2]
    level = comparison_levels(features, edges, crowded=crowded)["name"]
    top_levels = len(edges["name"]) + 1
    assert level[:3].tolist() == [0, top_levels + 1, top_levels + 2]
    assert level[3] == comparison_levels(features, edges)["name"][3] > 0  # not the top: as before
    assert level_sizes(edges, ["name"], None, 3)["name"] == top_levels + 3
    assert level_sizes(edges, ["name"])["name"] == top_levels + 1


def _crowded_parties() -> tuple[object, object]:
    """One name on each side once, another three times on each side: every record of the
    second meets three candidates, those of the first one."""
    left = [{"id": "l-anna", "name": "Anna Adler", "country": "FR"}] + [
        {"id": f"l-bob{i}", "name": "Bob Smith", "country": "FR"} for i in range(3)
    ]
    right = [{"id": "r-anna", "name": "Anna Adler", "country": "FR"}] + [
        {"id": f"r-bob{i}", "name": "Bob Smith", "country": "FR"} for i in range(3)
    ]
    return (
        encode_parties(parties(*left), SECRET, FIELD_PARAMS),
        encode_parties(parties(*right), SECRET, FIELD_PARAMS),
    )


def test_every_scoring_path_weighs_crowding() -> None:
    left, right = _crowded_parties()
    model = FieldModel({"name_crowding": -1.0}, 5.0)
    pairs = match_encodings(left, right, threshold=0.0, model=model).to_pylist()
    score = {(p["left_id"], p["right_id"]): p["score"] for p in pairs}
    lone, crowded = 1 / (1 + np.exp(-(5 - np.log(2)))), 1 / (1 + np.exp(-(5 - np.log(4))))
    assert score[("l-anna", "r-anna")] == pytest.approx(lone, abs=1e-4)
    assert score[("l-bob0", "r-bob2")] == pytest.approx(crowded, abs=1e-4)
    links = score_links(left, right, model)
    within = (links.a == 1) & (links.b == 2)  # l-bob0 × l-bob1: their left × right degrees
    assert links.score[within] == pytest.approx([crowded])
    li, ri = candidate_pairs(left, right)
    bare = pair_features(left, right, li, ri)  # no degrees: no crowding evidence
    assert not bare[:, CROWDING].any()


def test_crowding_scores_one_file_against_itself_and_an_empty_one() -> None:
    left, _ = _crowded_parties()
    empty = encode_parties(parties(), SECRET, FIELD_PARAMS)
    model = FieldModel({"name_crowding": -1.0}, 5.0)
    assert len(score_links(left, left, model).score) > 0  # one table as both sides
    assert len(score_links(left, empty, model).score) > 0  # within-left pairs only
    assert match_encodings(left, empty, threshold=0.0, model=model).num_rows == 0


def test_unsupervised_fit_weighs_crowding_against_a_match() -> None:
    left_rows, right_rows, _ = _world()
    fit = fit_unsupervised(
        encode_parties(parties(*left_rows), SECRET, FIELD_PARAMS),
        encode_parties(parties(*right_rows), SECRET, FIELD_PARAMS),
    )
    assert "name_crowding" in fit.model.coefficients
    assert fit.model.coefficients["name_crowding"] <= 0
