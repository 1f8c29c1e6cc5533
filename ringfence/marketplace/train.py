"""Training the seller-risk model on weekly snapshots, split strictly by time.

A snapshot on day ``d`` holds every seller open before ``d`` and not yet confirmed counterfeit,
with its features as of ``d`` (``features.snapshot``); its label says whether the seller was
confirmed counterfeit within the next ``horizon`` days. Snapshots are stacked. The last snapshot
whose label window closes by the cut-off is the *test* set, the one whose window ends where the
test's begins is the *validation* set (early stopping, Platt calibration), and training takes the
snapshots whose windows end by the validation's start: no label window overlaps another set's.
The booster is then refitted on all of them with the chosen number of trees, as the shipment
model is (``score.model``, whose LightGBM settings and calibration this reuses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ringfence.errors import UserError
from ringfence.marketplace.data import SellerData, days_array
from ringfence.marketplace.features import snapshot
from ringfence.score.model import MAX_ROUNDS, LabelModel, _fit, _metrics, _platt

STEP_DAYS = 7
MAX_HORIZON_DAYS = 28


@dataclass
class Split:
    """Snapshot days of each set, and the label horizon."""

    train: list[int]
    validation: int
    test: int
    horizon: int

    def as_dict(self) -> dict[str, object]:
        """The split as JSON-friendly values (days since 1970)."""
        return {
            "train": self.train,
            "validation": self.validation,
            "test": self.test,
            "horizon_days": self.horizon,
        }


@dataclass
class Labelled:
    """Stacked snapshots: features, labels, snapshot day and seller of each row."""

    x: pd.DataFrame
    y: np.ndarray
    day: np.ndarray
    seller: np.ndarray
    extra: dict[str, object] = field(default_factory=dict)

    def rows(self, days: list[int]) -> np.ndarray:
        """Mask of the rows of the snapshots on ``days``."""
        return np.isin(self.day, days)


def plan_split(first: int, until: int, horizon: int = MAX_HORIZON_DAYS) -> Split:
    """Snapshot days for outcomes from ``first`` up to ``until`` (inclusive).

    The horizon shrinks (to whole weeks, at least one) when the history is short, so that at least
    two training snapshots, a validation and a test snapshot fit."""
    span = until + 1 - first
    horizon = max(STEP_DAYS, min(horizon, (span // 4) // STEP_DAYS * STEP_DAYS))
    test = until + 1 - horizon
    validation = test - horizon
    train = list(range(validation - horizon, first - 1, -STEP_DAYS))[::-1]
    if validation < first or not train:
        raise UserError(
            f"seller outcomes span {span} days: at least {3 * STEP_DAYS} are needed to train"
            " and validate by time (a training, a validation and a test window)"
        )
    return Split(train, validation, test, horizon)


def labelled(data: SellerData, days: list[int], horizon: int, relations: bool = True) -> Labelled:
    """Stacked snapshots on ``days``, each labelled by the next ``horizon`` days' outcomes."""
    opened = days_array(data.sellers["registered"])
    o = data.outcomes[data.outcomes["counterfeit"].astype(bool)]
    first_bad = o.groupby("seller")["day"].min().reindex(data.sellers["id"]).to_numpy(dtype=float)
    parts, ys, ds, ss = [], [], [], []
    for day in days:
        keep = (np.isnan(opened) | (opened < day)) & ~(first_bad < day)
        frame = snapshot(data, day, relations)[keep]
        parts.append(frame)
        ys.append((first_bad[keep] >= day) & (first_bad[keep] < day + horizon))
        ds.append(np.full(int(keep.sum()), day))
        ss.append(data.sellers["id"].to_numpy()[keep])
    x = pd.concat(parts) if parts else pd.DataFrame()
    return Labelled(x, np.concatenate(ys).astype(float), np.concatenate(ds), np.concatenate(ss))


def fit_validated(
    x: np.ndarray, y: np.ndarray, train: np.ndarray, valid: np.ndarray, names: list[str]
) -> tuple[Any, int, tuple[float, float]]:
    """A booster fitted on the ``train`` rows, early-stopped and Platt-calibrated on ``valid``:
    (booster, number of trees, calibration)."""
    for rows, what in ((train, "training"), (valid, "validation")):
        if len(np.unique(y[rows])) < 2:
            raise UserError(f"the {what} rows need sellers confirmed counterfeit and others")
    first = _fit(x[train], y[train], names, MAX_ROUNDS, valid=(x[valid], y[valid], None))
    rounds = max(first.best_iteration or MAX_ROUNDS, 20)
    platt = _platt(np.asarray(first.predict(x[valid], raw_score=True)), y[valid])
    return first, rounds, platt


def fit(
    data: Labelled, split: Split, features: list[str] | None = None
) -> tuple[LabelModel, dict[str, object]]:
    """Fit on the training snapshots, early-stop and calibrate on validation, report the test;
    the returned booster is refitted on all three with the chosen number of trees."""
    names = features or list(data.x.columns)
    x = data.x.reindex(columns=names).to_numpy(dtype=float)
    tr, va, te = data.rows(split.train), data.rows([split.validation]), data.rows([split.test])
    first, rounds, platt = fit_validated(x, data.y, tr, va, names)
    raw_va = np.asarray(first.predict(x[va], raw_score=True))
    raw_te = np.asarray(first.predict(x[te], raw_score=True))
    validation = _metrics(data.y[va], raw_va)
    report: dict[str, object] = {
        "validation": validation,
        "test": _metrics(data.y[te], raw_te),
        "trees": rounds,
        "training_rows": int(tr.sum()),
    }
    every = tr | va | te
    booster = _fit(x[every], data.y[every], names, rounds)
    return LabelModel("counterfeit_seller", booster, platt, validation), report


def outcome_span(data: SellerData, until: int | None) -> tuple[int, int]:
    """First and last outcome day to learn from (up to ``until``, default the last outcome)."""
    days = days_array(data.outcomes["day"])
    days = days[~np.isnan(days)]
    if until is not None:
        days = days[days <= until]
    if days.size == 0 or not data.outcomes["counterfeit"].astype(bool).any():
        raise UserError("no seller outcomes to learn from: ingest seller_outcomes first")
    return int(days.min()), int(until if until is not None else days.max())
