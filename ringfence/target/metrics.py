"""Targeting metrics at inspection budgets: precision, recall and revenue share of the top n %."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def rank(scores: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Row indices from highest to lowest score; ties broken by ``tiebreak`` (higher first)."""
    if tiebreak is None:
        return np.argsort(-scores, kind="stable")
    return np.lexsort((-tiebreak, -scores))


def selected_count(rows: int, budget_percent: float) -> int:
    """Rows inspected at a budget of ``budget_percent`` % (at least one when there are rows)."""
    return min(rows, max(1, math.ceil(rows * budget_percent / 100.0))) if rows else 0


def budget_metrics(
    y: np.ndarray,
    order: np.ndarray,
    budget_percent: float,
    value_at_stake: np.ndarray | None,
) -> dict[str, Any]:
    """Precision, recall and revenue share of the first ``budget_percent`` % of ``order``.

    Revenue share: value at stake of the positives selected over that of all positives (None
    when no value at stake is known).
    """
    k = selected_count(len(y), budget_percent)
    top = order[:k]
    positives = float(y.sum())
    hits = float(y[top].sum())
    revenue = None
    if value_at_stake is not None and np.isfinite(value_at_stake).any():
        stake = np.nan_to_num(value_at_stake) * y
        total = float(stake.sum())
        revenue = float(stake[top].sum() / total) if total > 0 else None
    return {
        "precision": hits / k if k else 0.0,
        "recall": hits / positives if positives else 0.0,
        "revenue": revenue,
        "selected": int(k),
    }


def label_metrics(
    y: np.ndarray,
    scores: np.ndarray,
    budgets: list[float],
    value_at_stake: np.ndarray | None = None,
    tiebreak: np.ndarray | None = None,
) -> dict[str, Any]:
    """AUC, average precision and per-budget metrics for one label's scores."""
    order = rank(scores, tiebreak)
    both = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, scores)) if both else None,
        "average_precision": float(average_precision_score(y, scores)) if both else None,
        "budgets": {_budget_key(b): budget_metrics(y, order, b, value_at_stake) for b in budgets},
    }


def _budget_key(budget: float) -> str:
    return str(int(budget)) if float(budget).is_integer() else str(budget)
