"""bench/pprl.py's CLK model: the field model fitted on encodings *without* field filters (the
default encoding), so its features are the CLK's Dice and the exact codes' agreements and
disagreements; fitted on the pooled train worlds (``clk_model.json``), its link threshold for
entities mode picked on the same train worlds, and its figures on an eval world beside the
hand-set noisy-OR ``ScoreModel()`` that stays the default (docs/pprl.md: not adopted).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import numpy as np

from bench._pprl_eval import World
from bench._pprl_fields import LINK_THRESHOLDS, LabelledWorld, entities_run, entity_prf, fit_on
from ringfence.resolve.pprl.entities import components, score_links
from ringfence.resolve.pprl.field_model import FieldModel, default_clk_model, pair_features
from ringfence.resolve.pprl.match import DEFAULT_THRESHOLD, combine_scores
from ringfence.resolve.pprl.params import ScoreModel


def fit_clk_model(worlds: list[LabelledWorld], trained_on: str, version: str) -> FieldModel:
    """The CLK model fitted on the labelled candidate pairs of ``worlds`` (CLK-only encodings),
    each world weighing the same, with the Dice included (it is the only fuzzy evidence), and
    the link threshold of best mean entity F1 over the same worlds stored in it."""
    model = fit_on(*worlds, trained_on=trained_on)
    picked, mean = pick_on_train(worlds, model)
    note = (
        f"; link_threshold: best mean entity F1 over the same train worlds "
        f"({picked}: {mean[picked]})"
    )
    return replace(model, version=version, trained_on=trained_on + note, link_threshold=picked)


def pick_on_train(
    worlds: list[LabelledWorld], model: FieldModel
) -> tuple[float, dict[float, float]]:
    """The link threshold of ``LINK_THRESHOLDS`` with the best mean entity F1 over ``worlds``
    (train worlds; ties: the lower threshold), and each threshold's mean F1."""
    per_world = []
    for world in worlds:
        links = score_links(world.enc_left, world.enc_right, model)
        per_world.append(
            {t: entity_prf(world, components(links, t))["f1"] for t in LINK_THRESHOLDS}
        )
    mean = {t: round(float(np.mean([f[t] for f in per_world])), 4) for t in LINK_THRESHOLDS}
    return max(LINK_THRESHOLDS, key=lambda t: mean[t]), mean


def clk_model_run(train: World, test: World) -> dict[str, Any]:
    """The shipped CLK model (``clk_model.json``) on CLK-only encodings of the eval world,
    pairwise at the default threshold and as entities (at its stored link threshold, the
    default, and at the best one on the train world), with the hand-set ``ScoreModel()``'s
    pairwise figures beside it (the default before the CLK model)."""
    model = default_clk_model()
    features = pair_features(test.enc_left, test.enc_right, test.li, test.ri)
    noisy_or = combine_scores(test.dice, test.agree, ScoreModel())
    return {
        **test.evaluate(model.score(features), DEFAULT_THRESHOLD),
        "threshold": DEFAULT_THRESHOLD,
        "score_model": test.evaluate(noisy_or, DEFAULT_THRESHOLD),
        "entities": entities_run(train, test, model),
        "model": asdict(model),
    }
