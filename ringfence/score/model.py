"""One LightGBM model per outcome label, Platt-calibrated on a later slice of the training window.

Training is strictly time-ordered: the last ``VALIDATION_SHARE`` of the training window's dates is
held out to choose the number of trees (early stopping) and to fit the calibration; the model is
then refitted on the whole window with that many trees. Platt scaling (a logistic curve over the
raw margin) is monotone, so it never creates ties that would spoil a ranking, as isotonic steps do.

Artefacts: ``settings.data_dir/models/scoring/<version>/`` holds ``manifest.json`` (labels,
features, training window, validation metrics, calibration) and one ``<label>.txt`` booster each.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from ringfence.errors import NotFoundError, UserError
from ringfence.score import history, rare
from ringfence.settings import Settings

VALIDATION_SHARE = 0.15
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    # One thread: OpenMP threads spin-wait, and on a shared 2-core machine two threads ran ten
    # times slower than one.
    "num_threads": 1,
    "max_bin": 127,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
}
MAX_ROUNDS = 2000
# Shipment scoring's early stopping picks at most this many trees (the refit grows a sixth more):
# scoring a million shipments is linear in trees, and out-of-fold profiles made early stopping
# run on to ~440 fraud trees on KCS for little gain, 1M scores taking 71 s (docs/targeting.md).
SCORING_ROUNDS = 150
EARLY_STOP = 100


@dataclass
class LabelModel:
    """The booster and calibration for one label; with ``given``, the booster is the second
    stage of a two-stage model (``rare.py``): the label's chance among the rows positive for
    ``given``'s label, so the probability is ``given``'s times its own."""

    label: str
    booster: lgb.Booster
    platt: tuple[float, float]
    metrics: dict[str, float]
    given: LabelModel | None = None

    def raw(self, x: np.ndarray, threads: int | None = None) -> np.ndarray:
        """Raw margins (log-odds before calibration); ``threads`` caps LightGBM's threads."""
        kwargs: dict[str, Any] = {"num_threads": threads} if threads else {}
        return np.asarray(self.booster.predict(x, raw_score=True, **kwargs), dtype=float)

    def probability(self, x: np.ndarray, threads: int | None = None) -> np.ndarray:
        """Calibrated probabilities."""
        a, b = self.platt
        p = np.asarray(1.0 / (1.0 + np.exp(-(a * self.raw(x, threads) + b))), dtype=float)
        return p if self.given is None else p * self.given.probability(x, threads)

    def contributions(self, x: np.ndarray, threads: int | None = None) -> np.ndarray:
        """Per-feature contributions to the raw margin (last column: the bias)."""
        kwargs: dict[str, Any] = {"num_threads": threads} if threads else {}
        return np.asarray(self.booster.predict(x, pred_contrib=True, **kwargs), dtype=float)


@dataclass
class ScoringModel:
    """Per-label models over one feature list, with their training window."""

    features: list[str]
    models: dict[str, LabelModel]
    train_from: str
    train_until: str
    version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # Pseudo-observations smoothing the label profiles (``history.py``), chosen when training
    # (``prior.choose_prior_weight``); scoring computes features with the same.
    prior_weight: float = field(default_factory=lambda: history.PRIOR_WEIGHT)


def _fit(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    rounds: int,
    valid: Any = None,
    weight: np.ndarray | None = None,
    focal: bool = False,
) -> Any:
    init = None
    params: dict[str, Any] = {**PARAMS, "metric": "average_precision"}
    if focal:  # custom loss: start from the base rate's log-odds, as the binary objective does
        rate = float(np.clip(np.mean(y), 1e-6, 1 - 1e-6))
        init = np.log(rate / (1 - rate))
        params["objective"] = rare.focal_objective()
    data = lgb.Dataset(
        x, y, weight=weight, feature_name=names, free_raw_data=False,
        init_score=None if init is None else np.full(len(y), init),
    )  # fmt: skip
    callbacks: list[Callable[..., Any]] = (
        [lgb.early_stopping(EARLY_STOP, verbose=False)] if valid is not None else []
    )
    valid_sets = None
    if valid is not None:
        valid_init = None if init is None else np.full(len(valid[1]), init)
        valid_sets = [
            lgb.Dataset(valid[0], valid[1], weight=valid[2], reference=data, init_score=valid_init)
        ]
    return lgb.train(params, data, rounds, valid_sets=valid_sets, callbacks=callbacks)


def _platt(raw: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> tuple[float, float]:
    """Logistic calibration of raw margins on the validation slice."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    # Default regularisation: with few positives the slice may separate perfectly, and an
    # unregularised fit would then turn every score into 0 or 1.
    fit = LogisticRegression(C=1.0).fit(raw.reshape(-1, 1), y, sample_weight=weight)
    slope = float(fit.coef_[0, 0])
    if slope <= 0:
        # Calibration may rescale the ranking, never reverse it: a slice where higher margins
        # came out *less* often positive (a few heavily weighted labels can do that) says the
        # slice is too thin to calibrate on, so the booster's own log-odds are kept.
        return 1.0, 0.0
    return slope, float(fit.intercept_[0])


def _metrics(y: np.ndarray, p: np.ndarray, weight: np.ndarray | None = None) -> dict[str, float]:
    """Rows and positives of the validation slice, and its AUC and average precision weighted
    as the rows are (a training sample's negatives stand for 1 / chance rows each)."""
    if len(np.unique(y)) < 2:
        return {"rows": float(len(y))}
    return {
        "rows": float(len(y)),
        "positives": float(y.sum()),
        "auc": float(roc_auc_score(y, p, sample_weight=weight)),
        "average_precision": float(average_precision_score(y, p, sample_weight=weight)),
    }


@dataclass
class FirstStage:
    """The first, early-stopped fit of a label on the earlier dates, judged on the later ones:
    its trees (``metrics["trees"]``) and calibration are what ``train_label`` refits with. The
    prior grid fits one per weight and label; training takes the chosen weight's instead of
    fitting it again (``score/stages.py``)."""

    booster: Any
    platt: tuple[float, float]
    metrics: dict[str, float]
    fit_weight: np.ndarray | None
    focal: bool


def first_stage(
    label: str,
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    names: list[str],
    weight: np.ndarray | None,
    nesting: np.ndarray | None,
    strategy: str | None = None,
) -> FirstStage:
    """``train_label``'s first stage (its arguments): fitted on the earlier dates, early-stopped,
    calibrated and judged on the later ``VALIDATION_SHARE``."""
    if len(np.unique(y)) < 2:
        raise UserError(f"label '{label}' has only one class in the training window")
    cut = np.quantile(days, 1 - VALIDATION_SHARE)
    early, late = days < cut, days >= cut
    if len(np.unique(y[early])) < 2 or len(np.unique(y[late])) < 2:
        early = late = np.ones(len(y), dtype=bool)  # too little history to split by time
    w_late = None if weight is None else weight[late]
    if strategy is None:
        strategy = rare.STRATEGY if rare.is_rare(y, weight) else "none"
    loss = rare.loss_weights(y, strategy, nesting, weight)
    fit_w = weight if loss is None else loss * (1.0 if weight is None else weight)
    focal = strategy == "focal"
    first = _fit(
        x[early], y[early], names, SCORING_ROUNDS, valid=(x[late], y[late], w_late),
        weight=None if fit_w is None else fit_w[early], focal=focal,
    )  # fmt: skip
    rounds = max(first.best_iteration or SCORING_ROUNDS, 20)
    raw_late = np.asarray(first.predict(x[late], raw_score=True))
    platt = _platt(raw_late, y[late], w_late)
    metrics = _metrics(y[late], raw_late, w_late)
    metrics["log_loss_ratio"] = _log_loss_ratio(y[late], platt[0] * raw_late + platt[1], w_late)
    metrics["trees"] = float(rounds)
    metrics["training_rows"] = float(len(y))
    return FirstStage(first, platt, metrics, fit_w, focal)


def _log_loss_ratio(y: np.ndarray, logit: np.ndarray, weight: np.ndarray | None) -> float:
    """Calibrated log loss over that of the slice's base rate (below 1: better than no model)."""
    w = np.ones(len(y)) if weight is None else weight
    p = np.clip(1.0 / (1.0 + np.exp(-logit)), 1e-12, 1 - 1e-12)
    rate = float(np.clip(np.average(y, weights=w), 1e-12, 1 - 1e-12))

    def loss(q: Any) -> float:
        return float(-np.average(y * np.log(q) + (1 - y) * np.log(1 - q), weights=w))

    return loss(p) / max(loss(np.full(len(y), rate)), 1e-12)


def validation_loss(
    label: str,
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    names: list[str],
    weight: np.ndarray | None = None,
    nesting: np.ndarray | None = None,
) -> float:
    """``train_label``'s first stage only: the calibrated log loss on the later slice of the
    window relative to its base rate's, for choices made before training (the profile prior)."""
    return first_stage(label, x, y, days, names, weight, nesting).metrics["log_loss_ratio"]


def train_label(
    label: str,
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    names: list[str],
    weight: np.ndarray | None = None,
    nesting: np.ndarray | None = None,
    strategy: str | None = None,
    stage: FirstStage | None = None,
) -> LabelModel:
    """Train, early-stop and calibrate on the later slice, then refit on the whole window.

    ``days`` are the rows' dates as integers; the split is by date, so the validation slice is
    strictly later than what it validates. ``weight`` (optional, one per row) weights the loss,
    the early-stopping metric and the calibration, e.g. by the inverse of each label's chance of
    having been inspected. A rare label's booster follows ``rare.STRATEGY`` (``nesting``: the
    rows' 0/1 for a label whose positives hold this one's, for hard negatives; ``strategy``
    overrides ``rare.STRATEGY``). ``stage``: this first stage, already fitted on these very
    arguments (the prior grid's, ``score/stages.py``), is not fitted again.
    """
    if stage is None:
        stage = first_stage(label, x, y, days, names, weight, nesting, strategy)
    rounds = int(stage.metrics["trees"])
    # Refit on everything: the latest weeks matter most for the weeks that follow.
    booster = _fit(
        x, y, names, int(rounds / (1 - VALIDATION_SHARE)), weight=stage.fit_weight,
        focal=stage.focal,
    )  # fmt: skip
    return LabelModel(label, booster, stage.platt, stage.metrics)


def models_root(settings: Settings) -> Path:
    """Folder of all scoring model versions."""
    return settings.data_dir / "models" / "scoring"


def save_model(settings: Settings, model: ScoringModel) -> Path:
    """Write a new versioned artefact; returns its folder."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    model.version = f"{stamp}-until-{model.train_until}"
    folder = models_root(settings) / model.version
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "version": model.version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "training_window": {"from": model.train_from, "until": model.train_until},
        "features": model.features,
        "profile_prior_weight": model.prior_weight,
        "labels": {label: _label_manifest(label, m) for label, m in model.models.items()},
        **model.extra,
    }
    for label, m in model.models.items():
        m.booster.save_model(str(folder / f"{label}.txt"))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder


def _label_manifest(label: str, m: LabelModel) -> dict[str, Any]:
    spec: dict[str, Any] = {"platt": list(m.platt), "validation": m.metrics, "file": f"{label}.txt"}
    if m.given is not None:  # a two-stage model: this booster is the second stage
        spec["given"] = m.given.label
    return spec


def load_model(settings: Settings, version: str | None = None) -> ScoringModel:
    """Load a stored version (the latest when ``version`` is None)."""
    root = models_root(settings)
    versions = sorted(p.parent.name for p in root.glob("*/manifest.json"))
    if not versions:
        raise NotFoundError("no scoring model yet: run 'ringfence train' first")
    name = version or versions[-1]
    folder = root / name
    if not (folder / "manifest.json").is_file():
        raise NotFoundError(f"no scoring model version '{name}' in {root}")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    models = {
        label: LabelModel(
            label,
            lgb.Booster(model_file=str(folder / spec["file"])),
            (float(spec["platt"][0]), float(spec["platt"][1])),
            spec["validation"],
        )
        for label, spec in manifest["labels"].items()
    }
    for label, spec in manifest["labels"].items():
        if spec.get("given"):  # a two-stage model's second stage
            models[label].given = models[spec["given"]]
    window = manifest["training_window"]
    model = ScoringModel(
        manifest["features"], models, window["from"], window["until"], manifest["version"],
        prior_weight=float(manifest.get("profile_prior_weight", history.PRIOR_WEIGHT)),
    )  # fmt: skip
    if "feature_switches" in manifest:
        model.extra["feature_switches"] = manifest["feature_switches"]
    return model
