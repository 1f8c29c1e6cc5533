"""bench/pprl.py --shipped-check (bench/_pprl_shipped.py): one model fitted on the train worlds
it names, its link threshold chosen on them, scored on every eval world, trained on or not."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from bench._pprl_fields import LINK_THRESHOLDS
from bench._pprl_shipped import shipped_check
from bench._pprl_unsupervised import unsupervised_only
from bench._pprl_world import make_world
from ringfence.resolve.pprl.entities import FIT_LINK_THRESHOLDS
from ringfence.resolve.pprl.params import FIELD_PARAMS


def test_one_model_for_every_world_trained_only_on_the_train_worlds() -> None:
    sources = {
        "synthetic": (make_world(1, 150), make_world(2, 150)),
        "febrl4": (make_world(3, 150), make_world(4, 150)),  # a stand-in never trained on
    }
    params = replace(FIELD_PARAMS, name_nicknames=True)
    result = shipped_check(sources, params, {"hinges": True, "nicknames": True})
    assert result["trained_on"] == ["synthetic"]
    assert result["link_threshold"] in LINK_THRESHOLDS
    best = max(result["mean_train_f1_by_link_threshold"].values())
    assert result["mean_train_f1_by_link_threshold"][str(result["link_threshold"])] == best
    coefficients = result["model"]["coefficients"]
    assert {"name_agree", "name_over90"} & set(coefficients)
    assert not {"dice", "dice_over50", "dice_over70", "dice_over90"} & set(coefficients)
    for name, world in result["worlds"].items():
        assert world["trained_on"] == (name == "synthetic")
        assert world["f1"] > 0.5 and world["clear_text_f1"] > 0.3
        gap = world["f1"] - world["clear_text_f1"]
        assert abs(world["f1_difference_vs_resolution_entities"] - gap) < 1e-4


def test_unsupervised_only_fits_each_eval_world_on_its_own_encodings() -> None:
    """bench/pprl.py --unsupervised-only (round 15): per eval world the unsupervised fit's
    entity figures at the threshold it picked, with no shipped model or clear text."""
    sources = {"synthetic": (make_world(1, 150), make_world(2, 150))}
    result = unsupervised_only(sources, FIELD_PARAMS)
    world = result["worlds"]["synthetic"]
    assert set(result) == {"worlds"} and "clear_text_f1" not in world
    assert world["link_threshold"] in FIT_LINK_THRESHOLDS
    assert 0 < world["summary"]["called_matches"] < world["summary"]["compared"]
    assert world["f1"] > 0.9 and abs(world["expected_f1"] - world["f1"]) < 0.1  # 0.968, 0.935


def test_unsupervised_only_with_clear_text_scores_resolution_in_the_same_run() -> None:
    """--with-clear-text (round 19): clear-text resolution's entity F1 beside the fit's, and
    their difference; the fit's own figures as without it."""
    sources = {"synthetic": (make_world(1, 150), make_world(2, 150))}
    plain = unsupervised_only(sources, FIELD_PARAMS)["worlds"]["synthetic"]
    world = unsupervised_only(sources, FIELD_PARAMS, clear=True)["worlds"]["synthetic"]
    assert 0.3 < world["clear_text_f1"] <= 1.0
    assert world["minus_clear_text"] == round(world["f1"] - world["clear_text_f1"], 4)
    assert {k: world[k] for k in ("f1", "link_threshold")} == {
        k: plain[k] for k in ("f1", "link_threshold")
    }


def test_worlds_refuses_an_unknown_world_before_loading_any(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bench.pprl as bench_pprl

    def no_loading(*args: object) -> None:
        raise AssertionError("loaded a world before checking every name")

    monkeypatch.setattr(bench_pprl, "public_sources", no_loading)
    monkeypatch.setattr(sys, "argv", ["pprl", "--unsupervised-only", "--worlds", "febrl1,nope"])
    with pytest.raises(SystemExit, match="--worlds: no world 'nope'"):
        bench_pprl.shipped(bench_pprl.parse_args())
