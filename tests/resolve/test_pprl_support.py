"""Entities that need support (docs/pprl.md, round 18): after the components at the link
threshold, two entities join only when their links at the lower support threshold cover a
share of their left-and-right record pairs; ``pprl fit --unsupervised`` stores the two values
and entities mode applies them."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ringfence.errors import InputFileError
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.entities import (
    Links,
    components,
    default_support,
    link_entities,
    score_links,
)
from ringfence.resolve.pprl.field_model import FieldModel, default_field_model, load_field_model
from ringfence.resolve.pprl.params import FIELD_PARAMS
from ringfence.resolve.pprl.support import SUPPORT_LINK_THRESHOLD, SUPPORT_SHARE, Support
from tests.resolve.test_pprl import SECRET, parties
from tests.resolve.test_pprl_unsupervised import _world

STRONG, WEAK = 0.99, 0.85


def _group_and_strays(extra: list[tuple[int, int, float]]) -> Links:
    """Left 0, 1, 2; right 3, 4, 5. {0, 1, 3, 4} one group by strong links; ``extra`` more."""
    pairs = [(0, 3, STRONG), (1, 4, STRONG), (0, 1, STRONG), (3, 4, STRONG), *extra]
    a, b, score = (np.array(column) for column in zip(*pairs, strict=True))
    return Links(3, 3, a.astype(np.int64), b.astype(np.int64), score.astype(np.float64))


def _groups(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == value).tolist()) for value in np.unique(labels)}


def test_one_weak_link_does_not_chain_a_record_into_a_group() -> None:
    """Record 2 meets the group of four through one weak link (1 < 0.3 × 1 × 4) and stays
    apart; it and record 5, one weak link between two single records, join. The components
    at the weak links' level would make one entity of all six."""
    links = _group_and_strays([(2, 3, WEAK), (2, 5, WEAK)])
    found = components(links, 0.95, support=Support(0.8, 0.3))
    assert _groups(found) == {frozenset({0, 1, 3, 4}), frozenset({2, 5})}
    assert _groups(components(links, 0.8)) == {frozenset(range(6))}


def test_enough_weak_links_join_a_record_to_a_group() -> None:
    links = _group_and_strays([(2, 3, WEAK), (2, 4, WEAK)])  # 2 >= 0.3 × 1 × 4
    assert _groups(components(links, 0.95, support=Support(0.8, 0.3))) == {
        frozenset({0, 1, 2, 3, 4}), frozenset({5}),
    }  # fmt: skip
    # The same two links need a share of one half of four pairs: 2 >= 2.
    assert frozenset({0, 1, 2, 3, 4}) in _groups(components(links, 0.95, support=Support(0.8, 0.5)))
    assert frozenset({2}) in _groups(components(links, 0.95, support=Support(0.8, 0.51)))


def test_links_below_the_support_threshold_never_count() -> None:
    links = _group_and_strays([(2, 5, 0.79), (2, 3, 0.79), (2, 4, 0.79)])
    assert _groups(components(links, 0.95, support=Support(0.8, 0.01))) == {
        frozenset({0, 1, 3, 4}), frozenset({2}), frozenset({5}),
    }  # fmt: skip


def test_a_support_threshold_not_below_the_link_threshold_changes_nothing() -> None:
    links = _group_and_strays([(2, 3, WEAK), (2, 5, WEAK)])
    for link_threshold in (0.8, 0.5):
        plain = components(links, link_threshold)
        assert (components(links, link_threshold, support=Support(0.8, 0.3)) == plain).all()
    empty = Links(0, 0, *(np.zeros(0, dtype=np.int64) for _ in range(2)), np.zeros(0))
    assert len(components(empty, 0.95, support=Support())) == 0


@pytest.mark.parametrize(
    "values",
    [
        {"support_link_threshold": 0.8},
        {"support_share": 0.3},
        {"support_link_threshold": 0.0, "support_share": 0.3},
        {"support_link_threshold": 0.8, "support_share": 1.5},
        {"support_link_threshold": math.nan, "support_share": 0.3},
        {"support_link_threshold": True, "support_share": 0.3},
        {"support_link_threshold": "0.8", "support_share": 0.3},
    ],
)
def test_a_model_refuses_a_partial_or_bad_support(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="support_"):
        FieldModel({"dice": 1.0}, 0.0, **values)  # type: ignore[arg-type]


def test_a_model_file_keeps_its_support_and_older_files_have_none(tmp_path: Path) -> None:
    model = FieldModel({"dice": 5.0}, -2.0, support_link_threshold=0.8, support_share=0.3)
    model.save(tmp_path / "m.json")
    loaded = load_field_model(tmp_path / "m.json")
    assert loaded == model and default_support(loaded) == Support(0.8, 0.3)
    plain = FieldModel({"dice": 5.0}, -2.0)
    plain.save(tmp_path / "old.json")
    assert "support" not in (tmp_path / "old.json").read_text()
    assert load_field_model(tmp_path / "old.json").support() is None
    assert default_support(default_field_model()) is None
    data = json.loads((tmp_path / "m.json").read_text())
    del data["support_share"]
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(InputFileError, match="go together"):
        load_field_model(tmp_path / "bad.json")


def test_entities_mode_applies_the_models_support() -> None:
    """The same model and link threshold, once with a support that joins any two entities
    with a link >= 0.01 and once without: link_entities must give the former's fewer, larger
    entities, exactly those of ``components`` with that support."""
    left_rows, right_rows, _ = _world()
    left = encode_parties(parties(*left_rows), SECRET, FIELD_PARAMS)
    right = encode_parties(parties(*right_rows), SECRET, FIELD_PARAMS)
    plain = replace(default_field_model(), link_threshold=0.999)
    supported = replace(plain, support_link_threshold=0.01, support_share=0.001)
    without = link_entities(left, right, model=plain)
    joined = link_entities(left, right, model=supported)
    assert len(set(joined["entity_id"].to_pylist())) < len(set(without["entity_id"].to_pylist()))
    links = score_links(left, right, plain)
    expected = components(links, 0.999, support=Support(0.01, 0.001))
    assert len(set(joined["entity_id"].to_pylist())) == len(np.unique(expected))


def test_the_shipped_support_is_round_18s() -> None:
    assert Support() == Support(SUPPORT_LINK_THRESHOLD, SUPPORT_SHARE) == Support(0.8, 0.3)
