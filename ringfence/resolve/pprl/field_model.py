"""Score pairs from field-level evidence when the encodings carry field filters (docs/pprl.md).

A record's CLK mixes all its fields, so its Dice coefficient cannot tell a typo in a date of
birth from a different surname. With field filters (``PprlParams.field_filters``) each pair
also has one Dice per field and whether both sides hold that field; a logistic model over
those, the CLK's Dice and the exact codes' agreement and disagreement gives the probability
that a compared pair is one party. ``field_model.json`` is the shipped model (how it was
trained is recorded in it); ``fit_field_model`` learns one from labelled pairs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa

from ringfence.errors import InputFileError, UserError
from ringfence.resolve.pprl.params import CLK_FIELDS, EXACT_FIELDS

MODEL_FILE = "field_model.json"
# A field's Dice counts from this point (a field one side lacks counts as exactly this), and
# ``<field>_both`` says whether both sides hold it: fitted per field on FEBRL3 alone, the
# break-even points were 0.43-0.64, so a model's "both" weights stay small.
NEUTRAL_DICE = 0.5
FEATURES: tuple[str, ...] = (
    "dice",
    *(f"{f}_{kind}" for f in CLK_FIELDS for kind in ("dice", "both")),
    *(f"{e}_{kind}" for e in EXACT_FIELDS for kind in ("agree", "differ")),
)


@dataclass(frozen=True)
class FieldModel:
    """Logistic model: score = 1 / (1 + exp(-(intercept + sum of coefficient * feature)))."""

    coefficients: dict[str, float]
    intercept: float
    version: str = "fitted"
    trained_on: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.coefficients) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}")

    def score(self, features: np.ndarray) -> np.ndarray:
        """Probability of one party for each row of a ``pair_features`` matrix."""
        weights = np.array([self.coefficients.get(name, 0.0) for name in FEATURES])
        logit = features @ weights + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0))))

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")


def load_field_model(path: Path) -> FieldModel:
    """Read a model written by ``FieldModel.save``; a bad file is one clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FieldModel(
            coefficients={str(k): float(v) for k, v in data["coefficients"].items()},
            intercept=float(data["intercept"]),
            version=str(data.get("version", "fitted")),
            trained_on=str(data.get("trained_on", "")),
        )
    except FileNotFoundError:
        raise InputFileError("model file not found", file=str(path)) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputFileError(f"not a PPRL field model: {exc}", file=str(path)) from None


@cache
def default_field_model() -> FieldModel:
    """The model shipped in the package (``field_model.json``)."""
    source = resources.files(__package__).joinpath(MODEL_FILE)
    with resources.as_file(source) as path:
        return load_field_model(path)


def pair_features(
    left: pa.Table, right: pa.Table, li: np.ndarray, ri: np.ndarray
) -> np.ndarray:
    """The ``FEATURES`` of each candidate pair (rows ``li`` of left with ``ri`` of right) as
    an (n, len(FEATURES)) matrix; a field without a filter in these encodings counts as held
    by neither side."""
    from ringfence.resolve.pprl.match import (
        clk_matrix,
        dice,
        exact_agreements,
        exact_disagreements,
        popcounts,
    )

    columns = {"dice": dice(clk_matrix(left), clk_matrix(right), li, ri)}
    for name in CLK_FIELDS:
        column = f"clk_{name}"
        if column not in left.column_names or column not in right.column_names:
            continue
        lm, rm = clk_matrix(left, column), clk_matrix(right, column)
        both = (popcounts(lm)[li] > 0) & (popcounts(rm)[ri] > 0)
        columns[f"{name}_dice"] = np.where(both, dice(lm, rm, li, ri) - NEUTRAL_DICE, 0.0)
        columns[f"{name}_both"] = both.astype(np.float64)
    agree = exact_agreements(left, right, li, ri)
    differ = exact_disagreements(left, right, li, ri)
    for name in EXACT_FIELDS:
        columns[f"{name}_agree"] = agree[name].astype(np.float64)
        columns[f"{name}_differ"] = differ[name].astype(np.float64)
    matrix = np.zeros((len(li), len(FEATURES)), dtype=np.float64)
    for j, name in enumerate(FEATURES):
        if name in columns:
            matrix[:, j] = columns[name]
    return matrix


def fit_field_model(
    features: np.ndarray,
    labels: np.ndarray,
    version: str = "fitted",
    trained_on: str = "",
    weights: np.ndarray | None = None,
    exclude: tuple[str, ...] = (),
) -> FieldModel:
    """A logistic model of ``labels`` (true = one party) on ``pair_features`` rows.

    L2-regularised (C = 1) and monotone: a similarity or an agreement never counts against a
    match and a disagreement never for it (``_bounds``), whatever quirk of the training data
    says otherwise. Fitted on the compared pairs as they come (each weighted by ``weights``
    if given), so its probability is that of a match among pairs the blocking puts side by
    side. Features constant in the training pairs (a field no record carries) and those in
    ``exclude`` get weight 0.
    """
    from scipy.optimize import minimize

    if labels.all() or not labels.any():
        raise ValueError("labelled pairs need both matches and non-matches")
    varying = [
        j
        for j in range(features.shape[1])
        if np.ptp(features[:, j]) > 0 and FEATURES[j] not in exclude
    ]
    x = features[:, varying]
    y = labels.astype(np.float64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logit = x @ theta[:-1] + theta[-1]
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0)))
        nll = np.logaddexp(0.0, logit) - y * logit
        grad_logit = w * (p - y)
        value = float(w @ nll) + 0.5 * float(theta[:-1] @ theta[:-1])
        grad = np.append(x.T @ grad_logit + theta[:-1], grad_logit.sum())
        return value, grad

    bounds = [_bounds(FEATURES[j]) for j in varying] + [(None, None)]
    start = np.zeros(len(varying) + 1)
    fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    coefficients = {
        FEATURES[j]: round(float(c), 6) for j, c in zip(varying, fitted.x[:-1], strict=True)
    }
    return FieldModel(coefficients, round(float(fitted.x[-1]), 6), version, trained_on)


def _bounds(feature: str) -> tuple[float | None, float | None]:
    """Sign of a feature's weight: similarities and agreements >= 0, disagreements <= 0,
    whether both sides hold a field either way."""
    if feature.endswith("_differ"):
        return (None, 0.0)
    if feature.endswith("_both"):
        return (None, None)
    return (0.0, None)


def fit_from_matches(
    left: pa.Table, right: pa.Table, matches: set[tuple[str, str]]
) -> tuple[FieldModel, dict[str, int]]:
    """A model fitted on the pairs ``match_encodings`` would compare, labelled by ``matches``
    (left id, right id); every other compared pair counts as a non-match. Also returns how
    many pairs were compared and how many of the matches were among them."""
    from ringfence.resolve.pprl.match import candidate_pairs, check_compatible

    check_compatible(left, right)
    li, ri = candidate_pairs(left, right)
    lid, rid = left.column("id").to_pylist(), right.column("id").to_pylist()
    labels = np.array([(lid[a], rid[b]) in matches for a, b in zip(li, ri, strict=True)])
    summary = {"compared": len(li), "matches": len(matches), "matches_compared": int(labels.sum())}
    if not labels.any() or labels.all():
        raise UserError(
            f"cannot fit: {summary['matches_compared']} of the {len(li)} compared pairs are "
            "known matches; a model needs both matches and non-matches among them"
        )
    fitted = fit_field_model(pair_features(left, right, li, ri), labels)
    return fitted, summary
