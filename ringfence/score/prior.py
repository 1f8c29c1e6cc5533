"""The profiles' prior strength, learnt on a time-ordered split of the training window.

Every label profile is smoothed toward the global rate by ``w`` pseudo-observations,
``(positives + w · prior) / (inspections + w)`` (``features._profile_columns``). ``w`` used to be
set by hand; ``ringfence train`` and ``ringfence backtest`` now try each of ``GRID``
(``training_matrix``): the training window's labelled rows (``score/labelled.py``, out of fold,
as training builds them) with that ``w``, each label's first-stage model fitted on the earlier
dates and judged on the later ``model.VALIDATION_SHARE`` by calibrated log loss relative to the
base rate's (``model.first_stage``), averaged over labels, each row weighted as training weighs
it (``ringfence train``: targeting's selection weights, times the sample's; a backtest trains
without selection weights, so its grid does too). The smallest wins (ties go to
``history.PRIOR_WEIGHT``, which is tried first). Only training-window labels are read: the choice
never sees a backtest's test window, nor any later data. The model stores the chosen ``w``
(``ScoringModel.prior_weight``, manifest ``profile_prior_weight``, the grid's losses under
``profile_prior``) and every scoring path that computes features for a model passes it on, so
served profiles are smoothed as trained ones. The cost: one feature query for the whole grid
(each rate's counts come out as hidden columns and every weight's rates follow in numpy,
``reprior.py``: the matrix the query with that weight gives) and, per weight, the rates, the
rules and one first-stage fit per label; training then reuses the chosen weight's first stages
instead of fitting them again (``stages.py``), so the grid adds two fits per label. ``nice -n 10
.venv/bin/python bench/train_sample.py --rows-list 1000000,3000000 --work DIR`` (docs/scale.md,
2026-12-05): at 3M labelled rows (sampled to 999,399) the grid took 473 CPU-s of the training's
560 (peak 9.18 GiB), against 1,029 of 1,124 (11.24 GiB) with a query per weight; at 1M, 269 of
398 against 405 of 545.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ringfence.score import history, reprior, stages
from ringfence.score import sample as sampling
from ringfence.score.labelled import FeatureQuery, matrix_where, prepare
from ringfence.score.model import first_stage
from ringfence.score.pipeline import EPOCH, Matrix, label_rows, nesting_rows
from ringfence.settings import Settings
from ringfence.store.engine import Engine

GRID = (3.0, 10.0, 30.0)


Weigh = Callable[[Matrix], np.ndarray | None]


def matrix_loss(
    matrix: Matrix, labels: list[str], until: dt.date, weigh: Weigh | None = None
) -> float:
    """Mean over labels of the first-stage validation log-loss ratio on the training rows,
    each row weighted as training weighs it (``weigh``: the selection weights, times the
    sample's). Each label's first stage is kept on ``matrix`` for training (``stages.py``)."""
    days = matrix.days()
    in_window = days <= (until - EPOCH).days
    weight = sampling.times(weigh(matrix) if weigh else None, sampling.row_weights(matrix, labels))
    losses = []
    for label in labels:
        rows, y = label_rows(matrix, label, until, in_window)
        nesting = nesting_rows(matrix, labels, label, rows)
        x, w = matrix.x[rows], None if weight is None else weight[rows]
        stage = first_stage(label, x, y, days[rows], matrix.names, w, nesting)
        stages.keep(matrix, label, stage, rows, w, nesting)
        losses.append(stage.metrics["log_loss_ratio"])
    return float(np.mean(losses))


def choose(
    engine: Engine,
    query: FeatureQuery,
    until: dt.date,
    sample: sampling.TrainingSample | None = None,
    weigh: Weigh | None = None,
) -> tuple[Matrix, dict[str, Any]]:
    """The labelled rows' matrix (``sample``: drawn so, score/sample.py) built with the best
    weight of ``GRID`` (its ``prior_weight`` set, its first stages kept) and a record of the
    choice: chosen weight, each weight's loss, CPU-seconds spent. ``weigh``: the rows'
    selection weights as training will apply them (``matrix_loss``)."""
    started, cpu = time.perf_counter(), time.process_time()
    best: tuple[float, Matrix] | None = None
    losses: dict[float, float] = {}
    rows = reprior.counted_rows(engine, query, sampling.condition_for(sample))  # one pass
    for weight in sorted(GRID, key=lambda w: w != history.PRIOR_WEIGHT):  # the default first
        matrix = reprior.matrix_for(rows, query, weight)
        matrix.sample = sample
        losses[weight] = matrix_loss(matrix, query.labels, until, weigh) if query.labels else 0.0
        if best is None or losses[weight] < best[0]:
            best = (losses[weight], matrix)
        del matrix  # at most two matrices at once: the best so far and the next
    assert best is not None
    record = {
        "chosen": best[1].prior_weight,
        "learnt": True,
        "grid": list(GRID),
        "validation_log_loss_ratio": {f"{w:g}": v for w, v in losses.items()},
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
    }
    return best[1], record


def training_matrix(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    until: dt.date | None,
    rules_path: str | Path | None = None,
    prior_weight: float | None = None,
    weigh: Weigh | None = None,
) -> tuple[Matrix, list[str], dict[str, Any]]:
    """The labelled rows' out-of-fold matrix for training up to ``until`` (None: the last
    shipment's date), the labels and how the prior weight was set: ``prior_weight`` when
    given, else chosen from ``GRID`` on the training window (``choose``, with ``weigh``)."""
    query = prepare(settings, engine, label_cutoff, rules_path, oof=True, prior_weight=prior_weight)
    if until is None:
        last = engine.query("SELECT max(date) AS last FROM shipments").column(0)[0].as_py()
        until = dt.date.fromisoformat(str(last)[:10])
    sample = sampling.plan_sample(engine, settings.train_max_rows, until)
    if prior_weight is not None or not query.labels:
        matrix = _sampled(engine, query, sample)
        return matrix, query.labels, {"chosen": matrix.prior_weight, "learnt": False}
    matrix, record = choose(engine, query, until, sample, weigh)
    return matrix, query.labels, record


def _sampled(
    engine: Engine, query: FeatureQuery, sample: sampling.TrainingSample | None
) -> Matrix:
    """The matrix of the labelled rows ``sample`` draws (all when None), which it records."""
    matrix = matrix_where(engine, query, sampling.condition_for(sample))
    matrix.sample = sample
    return matrix


def choose_prior_weight(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    until: dt.date,
    rules_path: str | Path | None = None,
) -> tuple[Matrix, list[str], dict[float, float]]:
    """The labelled training matrix built with the best weight of ``GRID`` (its
    ``prior_weight`` set), the labels, and each weight's validation loss."""
    query = prepare(settings, engine, label_cutoff, rules_path, oof=True)
    matrix, record = choose(engine, query, until)
    losses = {float(w): v for w, v in record["validation_log_loss_ratio"].items()}
    return matrix, query.labels, losses
