"""Rare labels: how the booster of a label with few positives is fitted.

A label is rare when under ``RARE_SHARE`` of its training rows are positive (KCS's critical fraud,
``ipr``: 1.05 % in 2020). ``STRATEGY`` picks what its booster does (docs/targeting.md says what
each gave on the validation split; the strategy is a model-fitting choice, so serving and the
online twin are unchanged):

* ``none``: plain log loss, as for any label;
* ``weights``: positives weigh ``sqrt(negatives / positives)`` in the loss;
* ``focal``: focal loss (Lin et al. 2017, γ = ``FOCAL_GAMMA``), which down-weights the easy
  negatives that swamp a rare label; gradient and Hessian in closed form (``focal_grad_hess``),
  the Hessian floored at ``HESS_FLOOR`` where focal loss is not convex;
* ``hard``: hard negatives — negatives that are positive for a label nesting this one (ordinary
  fraud for critical fraud) — weigh ``HARD_WEIGHT`` times more, so the booster spends its trees
  on telling the two apart rather than on fraud in general;
* ``two_stage``: with a nesting label, a second model learns the label among that label's
  positives only (critical fraud among frauds) and the probability is the product
  ``P(fraud | x) · P(critical | fraud, x)`` (``model.LabelModel.given``; ``pipeline.fit_models``);
  without one, plain log loss.

Only the booster's loss is reweighted: early stopping, Platt calibration and the reported metrics
use the rows' ordinary weights, so probabilities stay calibrated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

RARE_SHARE = 0.02
STRATEGIES = ("none", "weights", "focal", "hard", "two_stage")
STRATEGY = "hard"
FOCAL_GAMMA = 2.0
HARD_WEIGHT = 3.0
HESS_FLOOR = 1e-6


def is_rare(y: np.ndarray, weight: np.ndarray | None = None) -> bool:
    """Whether a label's training rows are rare enough for the strategy (``weight``: the rows'
    weights, e.g. a training sample's, so a sample that kept every positive and few negatives
    is judged by the window it stands for)."""
    return len(y) > 0 and float(np.average(y, weights=weight)) < RARE_SHARE


def loss_weights(
    y: np.ndarray,
    strategy: str,
    nesting: np.ndarray | None = None,
    weight: np.ndarray | None = None,
) -> np.ndarray | None:
    """Per-row multipliers of the booster's loss (None: all 1); positives and negatives are
    counted with the rows' ``weight``."""
    if strategy == "weights":
        w = np.ones(len(y)) if weight is None else weight
        positives = max(float((w * y).sum()), 1.0)
        negatives = float((w * (1 - y)).sum())
        return np.where(y > 0, np.sqrt(negatives / positives), 1.0)
    if strategy == "hard" and nesting is not None:
        return np.where((y == 0) & (nesting > 0), HARD_WEIGHT, 1.0)
    return None


def focal_grad_hess(raw: np.ndarray, y: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Focal loss ``-(1 - q)^γ log q`` (``q``: the chance given to the true class) differentiated
    twice in the raw margin ``z``: with ``dq/dz = ±q(1 - q)``, ``g = L'(q) · ±q(1 - q)`` and
    ``h = L''(q) · (q(1 - q))² + L'(q) · (1 - 2q) · q(1 - q)``. γ = 0 gives log loss's
    ``p - y`` and ``p(1 - p)``."""
    p = np.clip(1.0 / (1.0 + np.exp(-raw)), 1e-12, 1 - 1e-12)
    q = np.where(y > 0, p, 1 - p)
    sign = np.where(y > 0, 1.0, -1.0)
    r, log_q = 1.0 - q, np.log(q)
    d1 = gamma * r ** (gamma - 1) * log_q - r**gamma / q
    d2 = (
        -gamma * (gamma - 1) * r ** (gamma - 2) * log_q
        + 2 * gamma * r ** (gamma - 1) / q
        + r**gamma / q**2
    )
    spread = q * (1 - q)
    return d1 * sign * spread, d2 * spread**2 + d1 * (1 - 2 * q) * spread


def focal_objective() -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """LightGBM custom objective: focal loss with the closed-form gradient and Hessian."""

    def objective(raw: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
        y = np.asarray(data.get_label(), dtype=float)
        grad, hess = focal_grad_hess(raw, y, FOCAL_GAMMA)
        hess = np.maximum(hess, HESS_FLOOR)
        weight = data.get_weight()
        if weight is not None:
            grad, hess = grad * weight, hess * weight
        return grad, hess

    return objective
