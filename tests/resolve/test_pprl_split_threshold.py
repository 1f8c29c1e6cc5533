"""Split link thresholds (docs/pprl.md, round 7): within-file links at a threshold of their own,
chosen with the cross-file one on labelled data; files without one behave as before."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from ringfence.errors import InputFileError
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.entities import (
    FIELD_LINK_THRESHOLD,
    FIT_LINK_THRESHOLDS,
    Links,
    components,
    default_link_threshold,
    default_within_link_threshold,
    link_entities,
    pick_link_threshold,
)
from ringfence.resolve.pprl.field_model import FieldModel, fit_model, load_field_model
from ringfence.resolve.pprl.params import FIELD_PARAMS
from tests.resolve.test_pprl import SECRET, parties
from tests.resolve.test_pprl_link_threshold import MATCHES, ROWS, TYPOS

LEFT = pa.table({"id": pa.array(["a0", "a1"], pa.string())})
RIGHT = pa.table({"id": pa.array(["b0", "b1"], pa.string())})
TRUE = [("a0", "b0"), ("a1", "b1")]


def _chained(within_score: float) -> Links:
    """Left 0, 1; right 2, 3. True pairs 0-2 (0.82) and 1-3 (0.99); the right records' own
    link 2-3 scores ``within_score`` and would chain both into one entity."""
    scores = np.array([0.82, 0.99, within_score])
    return Links(2, 2, np.array([0, 1, 2]), np.array([2, 3, 3]), scores)


def test_components_link_within_file_pairs_at_their_own_threshold() -> None:
    links = _chained(0.9)
    assert len(set(components(links, 0.8).tolist())) == 1  # one threshold: chained
    labels = components(links, 0.8, 0.95)
    assert labels[0] == labels[2] != labels[1] == labels[3]
    # A within threshold equal to the cross one, or none, is the one-threshold behaviour.
    assert (components(links, 0.8, 0.8) == components(links, 0.8)).all()
    assert (components(links, 0.8, None) == components(links, 0.8)).all()


def test_the_split_choice_beats_one_threshold_only_when_it_scores_better() -> None:
    model = FieldModel({}, 0.0)
    one = pick_link_threshold(LEFT, RIGHT, model, TRUE, links=_chained(0.9))
    split = pick_link_threshold(
        LEFT, RIGHT, model, TRUE, links=_chained(0.9), within_thresholds=FIT_LINK_THRESHOLDS
    )
    assert one.f1 == pytest.approx(2 / 3) and one.within_link_threshold is None
    assert (split.link_threshold, split.within_link_threshold, split.f1) == (0.5, 0.95, 1.0)
    # Its equal pairs are the one-threshold F1.
    assert split.f1_by_link_threshold == pytest.approx(one.f1_by_link_threshold)
    # When one threshold already scores best, the tie goes to the equal pair.
    tie = pick_link_threshold(
        LEFT, RIGHT, model, TRUE, links=_chained(0.75), within_thresholds=FIT_LINK_THRESHOLDS
    )
    assert (tie.link_threshold, tie.within_link_threshold, tie.f1) == (0.8, 0.8, 1.0)


def test_a_model_without_a_within_threshold_links_both_kinds_at_one(tmp_path: Path) -> None:
    model = FieldModel({"name_agree": 1.0}, -1.0, link_threshold=0.9)
    assert default_within_link_threshold(model) == 0.9
    assert default_within_link_threshold(replace(model, link_threshold=None)) == (
        FIELD_LINK_THRESHOLD
    )
    model.save(tmp_path / "m.json")
    assert "within_link_threshold" not in json.loads((tmp_path / "m.json").read_text())
    split = replace(model, within_link_threshold=0.99)
    split.save(tmp_path / "s.json")
    loaded = load_field_model(tmp_path / "s.json")
    assert loaded == split and default_within_link_threshold(loaded) == 0.99
    assert default_link_threshold(loaded) == 0.9
    text = (tmp_path / "s.json").read_text()
    text = text.replace('"within_link_threshold": 0.99', '"within_link_threshold": 0')
    (tmp_path / "bad.json").write_text(text)
    with pytest.raises(InputFileError, match="'within_link_threshold' must be above 0"):
        load_field_model(tmp_path / "bad.json")


def _encoded() -> tuple[pa.Table, pa.Table]:
    left = [{"id": i, "name": n, "country": c, "birth_date": d} for i, n, c, d in ROWS]
    right = [
        {"id": f"b{i}", "name": TYPOS[n], "country": c, "birth_date": d} for i, n, c, d in ROWS
    ]
    right.append({"id": "b9", "name": "Wei Zhang", "country": "CN", "birth_date": "1961-12-12"})
    return (
        encode_parties(parties(*left), SECRET, FIELD_PARAMS),
        encode_parties(parties(*right), SECRET, FIELD_PARAMS),
    )


def test_fit_stores_a_within_threshold_only_when_split() -> None:
    left, right = _encoded()
    plain = fit_model(left, right, MATCHES)
    split = fit_model(left, right, MATCHES, split=True)
    assert plain.model.within_link_threshold is None
    assert split.model.within_link_threshold in FIT_LINK_THRESHOLDS
    assert split.choice.f1 >= plain.choice.f1
    assert split.choice.f1_by_link_threshold == plain.choice.f1_by_link_threshold
    # Entities with the split model use its two thresholds; an explicit threshold both.
    both = link_entities(left, right, 0.9, split.model)
    unsplit = replace(split.model, within_link_threshold=None)
    assert both.equals(link_entities(left, right, 0.9, unsplit))
    stored = link_entities(left, right, model=split.model)
    expected = link_entities(
        left,
        right,
        split.model.link_threshold,
        split.model,
        within_link_threshold=split.model.within_link_threshold,
    )
    assert stored.equals(expected)
