"""bench/pprl.py's score models (``ScoreModel``: a Dice or ratio floor, exact weights and
disagreement factors) fitted on a train world, for PPRL and the clear-text matcher alike, and
one matcher's figures on the eval world."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

import numpy as np

from bench._pprl_eval import World
from ringfence.resolve.pprl.match import DEFAULT_THRESHOLD, combine_scores
from ringfence.resolve.pprl.params import EXACT_FIELDS, ScoreModel

# Fewer would-be matches than this disagreeing on an identifier: no factor is learnt for it.
MIN_DISAGREEING = 20


def fit_model(
    world: World,
    similarity: np.ndarray,
    agree: dict[str, np.ndarray],
    differ: dict[str, np.ndarray],
) -> tuple[ScoreModel, float]:
    """Score model with the best F1 at the default threshold on a training world.

    Each exact weight is the share of candidate pairs agreeing on that identifier that are
    true matches; the Dice floor is then searched on a grid. Then each disagreement factor is
    the share of true matches among the pairs that model calls a match but whose identifier of
    that kind differs (kept at 1 below ``MIN_DISAGREEING`` such pairs), the floor is searched
    again, and the model with disagreement factors is kept only if its train F1 is higher.
    """
    y = world.labels
    weights = {}
    for name in EXACT_FIELDS:
        agreeing = agree[name]
        share = float(y[agreeing].mean()) if agreeing.any() else 0.5
        weights[name] = round(min(share, 0.99), 3)
    plain = _best_floor(world, similarity, agree, differ, ScoreModel(0.0, weights))
    called = combine_scores(similarity, agree, plain) >= DEFAULT_THRESHOLD
    factors = {}
    for name in EXACT_FIELDS:
        disagreeing = differ[name] & called
        if disagreeing.sum() >= MIN_DISAGREEING:
            factors[name] = round(max(float(y[disagreeing].mean()), 0.01), 3)
    with_factors = _best_floor(world, similarity, agree, differ, ScoreModel(0.0, weights, factors))

    def train_f1(model: ScoreModel) -> float:
        scores = combine_scores(similarity, agree, model, differ)
        return world.evaluate(scores, DEFAULT_THRESHOLD)["f1"]

    return max((plain, with_factors), key=train_f1), DEFAULT_THRESHOLD


def _best_floor(
    world: World,
    similarity: np.ndarray,
    agree: dict[str, np.ndarray],
    differ: dict[str, np.ndarray],
    model: ScoreModel,
) -> ScoreModel:
    """``model`` with the Dice floor of best train F1.

    Only pairs without an agreeing identifier depend on the floor: they match when
    Dice >= floor + threshold * (1 - floor). With the threshold fixed, the floor alone sets
    that cut, on a fine grid, and the shipped default threshold keeps its meaning.
    """
    models = [replace(model, dice_floor=round(float(f), 3)) for f in np.arange(0.0, 0.99, 0.005)]
    return max(
        models,
        key=lambda m: world.evaluate(
            combine_scores(similarity, agree, m, differ), DEFAULT_THRESHOLD
        )["f1"],
    )


def score_side(train: World, test: World, feature: str, agree: str, differ: str) -> dict[str, Any]:
    """One matcher (its similarity, agreement and disagreement attributes of ``World`` named)
    fitted on ``train`` and scored on ``test``, with the shipped CLK defaults' F1 beside it."""
    model, threshold = fit_model(
        train, getattr(train, feature), getattr(train, agree), getattr(train, differ)
    )
    scores = combine_scores(
        getattr(test, feature), getattr(test, agree), model, getattr(test, differ)
    )
    default = test.evaluate(combine_scores(test.dice, test.agree, ScoreModel()), DEFAULT_THRESHOLD)
    return {
        **test.evaluate(scores, threshold),
        "threshold": threshold,
        "model": asdict(model),
        "f1_with_shipped_defaults": default["f1"],
    }
