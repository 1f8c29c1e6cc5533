"""Backtest: train on what was known up to a date, score a later window, measure at budgets.

Strictly out of time: the label history that features read is frozen the day after
``train_until`` (the test window's own outcomes are never read, not even as party history), and the
models see only labelled rows dated on or before ``train_until``; training rows read out-of-fold
profiles (``score/profiles.py``). Reports the model, a random ranking and the rules-only ranking
side by side, and (``value_aware``, when values at stake are known) the model's probabilities
ranked together with the value at stake (``ranking.py``).

Only the labelled shipments' feature rows leave the engine (``score/labelled.py``): they are all
that training and the measures read, so a lake of ten million shipments costs the driver the
rows with an outcome, not the whole matrix (docs/scale.md).

The profiles' prior weight is chosen from ``prior.GRID`` on the training window alone, as
``ringfence train`` does (``score/prior.py``), unless ``prior_weight`` fixes it; the report says
which (``profile_prior``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.errors import UserError
from ringfence.score.pipeline import EPOCH, Matrix, Progress, fit_models
from ringfence.score.prior import training_matrix
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.target.metrics import label_metrics
from ringfence.target.ranking import value_aware_metrics

DEFAULT_BUDGETS = [1.0, 2.0, 5.0, 10.0]
RANDOM_SEED = 20240601


@dataclass
class BacktestResult:
    """The report (exact JSON shape of the issue) and the test scores."""

    report: dict[str, Any]
    scores: pa.Table  # source_key, label, score


def backtest(
    settings: Settings,
    train_until: dt.date,
    test_from: dt.date,
    test_until: dt.date | None = None,
    budgets: list[float] | None = None,
    rules_path: str | Path | None = None,
    progress: Progress | None = None,
    prior_weight: float | None = None,
) -> BacktestResult:
    """Train on labelled rows dated ≤ ``train_until``, evaluate on ``test_from``..``test_until``
    (``prior_weight``: the profiles' smoothing; None chooses it on the training window)."""
    if test_from <= train_until:
        raise UserError(f"--test-from ({test_from}) must be after --train-until ({train_until})")
    if test_until is not None and test_until < test_from:
        raise UserError(f"--test-until ({test_until}) is before --test-from ({test_from})")
    budgets = budgets or DEFAULT_BUDGETS
    engine = open_engine(settings)
    try:
        cutoff = train_until + dt.timedelta(days=1)
        matrix, labels, chosen = training_matrix(
            settings, engine, cutoff, train_until, rules_path, prior_weight
        )
    finally:
        engine.close()
    if not labels:
        raise UserError("no outcomes ingested: a backtest needs labelled shipments")
    model = fit_models(matrix, labels, train_until, progress)
    test = _test_rows(matrix, test_from, test_until)
    if not test.any():
        raise UserError(f"no labelled shipments dated in the test window from {test_from}")
    result = _evaluate(matrix, test, labels, model, budgets)
    result.report["profile_prior"] = chosen
    if "training_sample" in model.extra:
        result.report["training_sample"] = model.extra["training_sample"]
    return result


def _test_rows(matrix: Matrix, test_from: dt.date, test_until: dt.date | None) -> np.ndarray:
    days = matrix.days()
    rows = days >= (test_from - EPOCH).days
    if test_until is not None:
        rows &= days <= (test_until - EPOCH).days
    return np.asarray(rows)


def _evaluate(
    matrix: Matrix, test: np.ndarray, labels: list[str], model: Any, budgets: list[float]
) -> BacktestResult:
    table = matrix.table
    stake = _optional(table, "value_at_stake")
    rng = np.random.default_rng(RANDOM_SEED)
    report: dict[str, Any] = {"labels": {}, "baselines": {"random": {}, "rules": {}}}
    if stake is not None:
        report["value_aware"] = {}
    keys = np.asarray(table.column("source_key").to_pylist(), dtype=object)
    score_parts = []
    for label in labels:
        y_col = table.column(label)
        rows = test & np.asarray(pc.is_valid(y_col).to_numpy(zero_copy_only=False))
        if not rows.any():
            continue
        y = np.asarray(y_col.to_numpy(zero_copy_only=False)[rows], dtype=float)
        probability = model.models[label].probability(matrix.x[rows])
        value = stake[rows] if stake is not None else None
        noise = rng.random(int(rows.sum()))
        report["labels"][label] = label_metrics(y, probability, budgets, value)
        if value is not None:
            report["value_aware"][label] = value_aware_metrics(y, probability, value, budgets)
        report["baselines"]["random"][label] = label_metrics(y, noise, budgets, value)
        report["baselines"]["rules"][label] = label_metrics(
            y, matrix.rules_score[rows], budgets, value, tiebreak=noise
        )
        score_parts.append(
            pa.table(
                {
                    "source_key": pa.array(keys[rows], pa.string()),
                    "label": pa.array([label] * int(rows.sum()), pa.string()),
                    "score": pa.array(probability, pa.float64()),
                }
            )
        )
    scores = pa.concat_tables(score_parts) if score_parts else _empty_scores()
    return BacktestResult(report, scores)


def _optional(table: pa.Table, column: str) -> np.ndarray | None:
    """A numeric column as floats, or None when no row has a value."""
    values = table.column(column).cast(pa.float64()).fill_null(np.nan).to_numpy()
    return np.asarray(values, dtype=float) if np.isfinite(values).any() else None


def _empty_scores() -> pa.Table:
    schema = pa.schema(
        [("source_key", pa.string()), ("label", pa.string()), ("score", pa.float64())]
    )
    return schema.empty_table()


def write_scores(scores: pa.Table, path: Path) -> None:
    """Write test scores as Parquet (``.parquet``) or CSV (anything else)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in {".parquet", ".pq"}:
        import pyarrow.parquet as pq

        pq.write_table(scores, path)
    else:
        import pyarrow.csv as pacsv

        pacsv.write_csv(scores, path)
