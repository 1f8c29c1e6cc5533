"""Rare labels: how the booster of a label with few positives is fitted.

A label is rare when under ``RARE_SHARE`` of its training rows are positive (KCS's critical fraud,
``ipr``: 1.05 % in 2020). ``STRATEGY`` picks what its booster does (docs/targeting.md says what
each gave on the validation split; the strategy is a model-fitting choice, so serving and the
online twin are unchanged):

* ``none``: plain log loss, as for any label;
* ``weights``: positives weigh ``sqrt(negatives / positives)`` in the loss;
* ``focal``: focal loss (Lin et al. 2017, γ = ``FOCAL_GAMMA``), which down-weights the easy
  negatives that swamp a rare label;
* ``hard``: hard negatives — negatives that are positive for a label nesting this one (ordinary
  fraud for critical fraud) — weigh ``HARD_WEIGHT`` times more, so the booster spends its trees
  on telling the two apart rather than on fraud in general.

Only the booster's loss is reweighted: early stopping, Platt calibration and the reported metrics
use the rows' ordinary weights, so probabilities stay calibrated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

RARE_SHARE = 0.02
STRATEGIES = ("none", "weights", "focal", "hard")
STRATEGY = "hard"
FOCAL_GAMMA = 2.0
HARD_WEIGHT = 3.0
_STEP = 1e-3


def is_rare(y: np.ndarray) -> bool:
    """Whether a label's training rows are rare enough for the strategy."""
    return len(y) > 0 and float(np.mean(y)) < RARE_SHARE


def loss_weights(
    y: np.ndarray, strategy: str, nesting: np.ndarray | None = None
) -> np.ndarray | None:
    """Per-row multipliers of the booster's loss (None: all 1)."""
    if strategy == "weights":
        positives = max(float(y.sum()), 1.0)
        return np.where(y > 0, np.sqrt((len(y) - positives) / positives), 1.0)
    if strategy == "hard" and nesting is not None:
        return np.where((y == 0) & (nesting > 0), HARD_WEIGHT, 1.0)
    return None


def _focal(raw: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.clip(1.0 / (1.0 + np.exp(-raw)), 1e-9, 1 - 1e-9)
    right = y * p + (1 - y) * (1 - p)
    return -((1 - right) ** FOCAL_GAMMA) * np.log(right)


def focal_objective() -> Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]:
    """LightGBM custom objective: focal loss, gradient and hessian by central differences."""

    def objective(raw: np.ndarray, data: Any) -> tuple[np.ndarray, np.ndarray]:
        y = np.asarray(data.get_label(), dtype=float)
        up, mid, down = _focal(raw + _STEP, y), _focal(raw, y), _focal(raw - _STEP, y)
        grad = (up - down) / (2 * _STEP)
        hess = np.maximum((up - 2 * mid + down) / _STEP**2, 1e-6)
        weight = data.get_weight()
        if weight is not None:
            grad, hess = grad * weight, hess * weight
        return grad, hess

    return objective
