"""The profiles' prior strength, learnt on a time-ordered split of the training window.

Every label profile is smoothed toward the global rate by ``w`` pseudo-observations,
``(positives + w · prior) / (inspections + w)`` (``features._profile_columns``). ``w`` used to be
set by hand; ``choose_prior_weight`` tries each of ``GRID`` instead: the training window's
features with that ``w`` (out of fold, as training builds them), each label's first-stage model
fitted on the earlier dates and judged on the later ``model.VALIDATION_SHARE`` by calibrated log
loss relative to the base rate's (``model.validation_loss``), averaged over labels. The smallest
wins (ties go to ``history.PRIOR_WEIGHT``). Only training-window labels are read: the choice
never sees a backtest's test window, nor any later data. The model stores the chosen ``w``
(``ScoringModel.prior_weight``, manifest ``profile_prior_weight``) and every scoring path that
computes features for a model passes it on, so served profiles are smoothed as trained ones.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ringfence.score import history
from ringfence.score.model import validation_loss
from ringfence.score.pipeline import EPOCH, Matrix, label_rows, load_matrix, nesting_rows
from ringfence.settings import Settings
from ringfence.store.engine import Engine

GRID = (3.0, 10.0, 30.0)


def matrix_loss(matrix: Matrix, labels: list[str], until: dt.date) -> float:
    """Mean over labels of the first-stage validation log-loss ratio on the training rows."""
    days = matrix.days()
    in_window = days <= (until - EPOCH).days
    losses = []
    for label in labels:
        rows, y = label_rows(matrix, label, until, in_window)
        nesting = nesting_rows(matrix, labels, label, rows)
        x = matrix.x[rows]
        losses.append(validation_loss(label, x, y, days[rows], matrix.names, None, nesting))
    return float(np.mean(losses))


def choose_prior_weight(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    until: dt.date,
    rules_path: str | Path | None = None,
) -> tuple[Matrix, list[str], dict[float, float]]:
    """The training matrix built with the best weight of ``GRID`` (its ``prior_weight`` set),
    the labels, and each weight's validation loss."""
    best: tuple[float, Matrix, list[str]] | None = None
    losses: dict[float, float] = {}
    for weight in sorted(GRID, key=lambda w: w != history.PRIOR_WEIGHT):  # the default first
        matrix, labels, _ = load_matrix(
            settings, engine, label_cutoff, rules_path, oof=True, prior_weight=weight
        )
        losses[weight] = matrix_loss(matrix, labels, until) if labels else 0.0
        if best is None or losses[weight] < best[0]:
            best = (losses[weight], matrix, labels)
    assert best is not None
    return best[1], best[2], losses
