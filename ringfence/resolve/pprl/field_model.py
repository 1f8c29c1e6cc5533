"""Score pairs from field-level evidence when the encodings carry field filters (docs/pprl.md).

A record's CLK mixes all its fields, so its Dice coefficient cannot tell a typo in a date of
birth from a different surname. With field filters (``PprlParams.field_filters``) each pair
also has, per field both sides hold, how far they agree (Dice) and disagree (1 - Dice); a
logistic model over those, the CLK's Dice and the exact codes' agreement and disagreement gives
the probability that a compared pair is one party. Every weight has a fixed sign
(``weight_bounds``): a field one side lacks counts for nothing, an identical one never against.
``field_model.json`` is the shipped model (how it was trained is recorded in it);
``clk_model.json`` one for encodings without field filters (the CLK's Dice and the exact codes
only), measured and not made their default (``pprl match`` keeps ``ScoreModel()``; docs/pprl.md);
``fit_field_model`` learns one from labelled pairs, ``fit_model`` from known matches between
two encodings files, with its entities link threshold (what ``pprl fit`` does).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ringfence.errors import InputFileError, UserError
from ringfence.resolve.pprl.extra_features import (
    CROWDING_FEATURES,
    DATE_KEY_FEATURES,
    HINGE_FEATURES,
    HINGE_SUFFIXES,
    NICKNAME_FEATURES,
    crowding_features,
    date_key_features,
    hinge_features,
    nickname_features,
    weight_bounds,
)
from ringfence.resolve.pprl.lsh import CANDIDATES_NAME_MINHASH
from ringfence.resolve.pprl.name_keys import NAME_KEY_FEATURES, name_key_features
from ringfence.resolve.pprl.params import CLK_FIELDS, EXACT_FIELDS

if TYPE_CHECKING:  # both modules import this one when loaded
    from ringfence.resolve.pprl.entities import LinkChoice
    from ringfence.resolve.pprl.match import SkippedBlocks

MODEL_FILE = "field_model.json"
# The shipped model for CLK-only encodings (no field filters): the CLK's Dice and the exact
# codes' agreements and disagreements, fitted on the same train worlds as MODEL_FILE. Not the
# default for them (it loses 0.49 pairs F1 on the simulator; docs/pprl.md): for --model.
CLK_MODEL_FILE = "clk_model.json"
FEATURES: tuple[str, ...] = (
    "dice",
    *(f"{f}_{kind}" for f in CLK_FIELDS for kind in ("agree", "disagree")),
    *(f"{e}_{kind}" for e in EXACT_FIELDS for kind in ("agree", "differ")),
    *DATE_KEY_FEATURES,
    *HINGE_FEATURES,
    *NICKNAME_FEATURES,
    *CROWDING_FEATURES,
    *NAME_KEY_FEATURES,
)


@dataclass(frozen=True)
class FieldModel:
    """Logistic model: score = 1 / (1 + exp(-(intercept + sum of coefficient * feature)))."""

    coefficients: dict[str, float]
    intercept: float
    version: str = "fitted"
    trained_on: str = ""
    # Entities mode's link threshold, chosen by ``pprl fit`` on the data it was fitted on
    # (``entities.pick_link_threshold``); None: ``FIELD_LINK_THRESHOLD`` (older files, the
    # shipped model).
    link_threshold: float | None = None
    # The link threshold of within-file pairs (left × left, right × right) when the split fit
    # chose one of its own (``fit_model(split=True)``); None: ``link_threshold`` for both.
    within_link_threshold: float | None = None
    # How candidate pairs are found beyond the blocking keys: "name_minhash" (``lsh.py``,
    # ``fit_model(lsh=True)``) or None (the keys and codes only: older files, shipped models).
    candidates: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.coefficients) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features {sorted(unknown)}")
        for name, value in [*self.coefficients.items(), ("intercept", self.intercept)]:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name!r} is not a number")
            if not math.isfinite(value):
                raise ValueError(f"{name!r} is {value}")
            low, high = weight_bounds(name) if name != "intercept" else (None, None)
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"{name!r} must be {'>= 0' if low is not None else '<= 0'}")
        if self.candidates not in (None, CANDIDATES_NAME_MINHASH):
            raise ValueError(
                f"'candidates' must be {CANDIDATES_NAME_MINHASH} or absent: {self.candidates!r}"
            )
        for key in ("link_threshold", "within_link_threshold"):
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key!r} is not a number")
            if not 0.0 < value <= 1.0:  # NaN fails this too
                raise ValueError(f"{key!r} must be above 0 and at most 1, not {value}")

    def fields(self) -> set[str]:
        """The fields whose own filters this model weighs."""
        return {
            name.rsplit("_", 1)[0]
            for name, weight in self.coefficients.items()
            if weight and name.endswith(("_agree", "_disagree", *HINGE_SUFFIXES))
            and name.rsplit("_", 1)[0] in CLK_FIELDS
        }

    def score(self, features: np.ndarray) -> np.ndarray:
        """Probability of one party for each row of a ``pair_features`` matrix."""
        weights = np.array([self.coefficients.get(name, 0.0) for name in FEATURES])
        logit = features @ weights + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -50.0, 50.0))))

    def save(self, path: Path) -> None:
        """Write the model as JSON (creating its folder); an unwritable path is one error.
        Without a link threshold (or a within one) the key is left out (the file reads as
        before it existed)."""
        data = asdict(self)
        for key in ("link_threshold", "within_link_threshold", "candidates"):
            if data[key] is None:
                del data[key]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputFileError(f"cannot write: {exc.strerror}", file=str(path)) from None


def load_field_model(path: Path) -> FieldModel:
    """Read a model written by ``FieldModel.save``; a bad file is one clear error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return FieldModel(
            coefficients={str(k): v for k, v in data["coefficients"].items()},
            intercept=data["intercept"],
            version=str(data.get("version", "fitted")),
            trained_on=str(data.get("trained_on", "")),
            link_threshold=data.get("link_threshold"),  # older files have none
            within_link_threshold=data.get("within_link_threshold"),
            candidates=data.get("candidates"),
        )
    except FileNotFoundError:
        raise InputFileError("model file not found", file=str(path)) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputFileError(f"not a PPRL field model: {exc}", file=str(path)) from None


@cache
def default_field_model() -> FieldModel:
    """The model shipped in the package (``field_model.json``)."""
    return _shipped(MODEL_FILE)


@cache
def default_clk_model() -> FieldModel:
    """The model shipped for encodings without field filters (``clk_model.json``): it weighs
    the CLK's Dice and the exact codes only, with its own entities link threshold. Not what
    ``match`` uses by default (``model_for``); pass it as ``model``."""
    return _shipped(CLK_MODEL_FILE)


def _shipped(name: str) -> FieldModel:
    """A model file of the package."""
    source = resources.files(__package__).joinpath(name)
    with resources.as_file(source) as path:
        return load_field_model(path)


def pair_features(
    left: pa.Table,
    right: pa.Table,
    li: np.ndarray,
    ri: np.ndarray,
    agree: dict[str, np.ndarray] | None = None,
    degrees: tuple[np.ndarray, np.ndarray] | None = None,
    name_keys: bool = False,
) -> np.ndarray:
    """The ``FEATURES`` of each candidate pair (rows ``li`` of left with ``ri`` of right) as
    an (n, len(FEATURES)) matrix; a field without a filter in these encodings counts as held
    by neither side. ``agree`` passes exact agreements the caller already has; ``degrees``
    each record's number of candidates (``extra_features.record_degrees``; left's, right's),
    without which ``CROWDING_FEATURES`` are 0; ``NAME_KEY_FEATURES`` only with ``name_keys``."""
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
        similarity = dice(lm, rm, li, ri)
        columns[f"{name}_agree"] = np.where(both, similarity, 0.0)
        columns[f"{name}_disagree"] = np.where(both, 1.0 - similarity, 0.0)
    if agree is None:
        agree = exact_agreements(left, right, li, ri)
    differ = exact_disagreements(left, right, li, ri)
    for name in EXACT_FIELDS:
        columns[f"{name}_agree"] = agree[name].astype(np.float64)
        columns[f"{name}_differ"] = differ[name].astype(np.float64)
    columns.update(date_key_features(left, right, li, ri))
    columns.update(nickname_features(left, right, li, ri))
    columns.update(crowding_features(columns, degrees, li, ri))
    if name_keys:
        columns.update(name_key_features(left, right, li, ri))
    columns.update(hinge_features(columns))
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
    date_key: bool = False,
    hinges: bool = False,
    nicknames: bool = False,
    crowding: bool = False,
    name_keys: bool = False,
) -> FieldModel:
    """A logistic model of ``labels`` (true = one party) on ``pair_features`` rows.

    L2-regularised (C = 1) and monotone: a similarity or an agreement never counts against a
    match and a disagreement never for it (``weight_bounds``), whatever quirk of the training data
    says otherwise. Fitted on the compared pairs as they come (each weighted by ``weights``
    if given), so its probability is that of a match among pairs the blocking puts side by
    side. Features constant in the training pairs (a field no record carries) and those in
    ``exclude`` get weight 0, as do ``DATE_KEY_FEATURES`` unless ``date_key`` and
    ``HINGE_FEATURES`` unless ``hinges``, ``NICKNAME_FEATURES`` unless ``nicknames``,
    ``CROWDING_FEATURES`` unless ``crowding`` and ``NAME_KEY_FEATURES`` unless ``name_keys``.
    """
    from scipy.optimize import minimize

    exclude = (
        *exclude,
        *(() if date_key else DATE_KEY_FEATURES),
        *(() if hinges else HINGE_FEATURES),
        *(() if nicknames else NICKNAME_FEATURES),
        *(() if crowding else CROWDING_FEATURES),
        *(() if name_keys else NAME_KEY_FEATURES),
    )

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

    bounds = [weight_bounds(FEATURES[j]) for j in varying] + [(None, None)]
    start = np.zeros(len(varying) + 1)
    fitted = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    if not fitted.success:
        raise UserError(f"the model did not converge ({fitted.message}); try more labelled pairs")
    coefficients = {
        FEATURES[j]: round(float(c), 6) for j, c in zip(varying, fitted.x[:-1], strict=True)
    }
    return FieldModel(coefficients, round(float(fitted.x[-1]), 6), version, trained_on)


def fit_from_matches(
    left: pa.Table,
    right: pa.Table,
    matches: Iterable[tuple[str, str]],
    *,
    skipped: SkippedBlocks | None = None,
    date_key: bool = False,
    hinges: bool = False,
    lsh: bool = False,
    nicknames: bool = False,
    name_keys: bool = False,
) -> tuple[FieldModel, dict[str, int]]:
    """A model fitted on the pairs ``match_encodings`` would compare, labelled by ``matches``
    (left id, right id); every other compared pair counts as a non-match. Also returns how
    many pairs were compared, how many distinct matches were given, how many of them were
    compared, and how many name an id that is not in its file (``unknown``). ``skipped``, if
    given, records the over-common keys left out (``candidate_pairs``). The model has no link
    threshold: ``fit_model`` also chooses one."""
    from ringfence.resolve.pprl.match import candidate_pairs, check_compatible

    check_compatible(left, right)
    known = set(matches)
    li, ri = candidate_pairs(left, right, skipped=skipped, lsh=lsh)
    lid, rid = left.column("id").to_pylist(), right.column("id").to_pylist()
    left_ids, right_ids = set(lid), set(rid)
    labels = np.array([(lid[a], rid[b]) in known for a, b in zip(li, ri, strict=True)], dtype=bool)
    summary = {
        "compared": len(li),
        "matches": len(known),
        "matches_compared": int(labels.sum()),
        "unknown": sum(1 for a, b in known if a not in left_ids or b not in right_ids),
    }
    if not labels.any() or labels.all():
        raise UserError(
            f"cannot fit: {summary['matches_compared']} of the {len(li)} compared pairs are "
            "known matches; a model needs both matches and non-matches among them"
        )
    features = pair_features(left, right, li, ri, name_keys=name_keys)
    fitted = fit_field_model(
        features, labels, date_key=date_key, hinges=hinges, nicknames=nicknames,
        name_keys=name_keys,
    )
    return replace(fitted, candidates=CANDIDATES_NAME_MINHASH if lsh else None), summary


@dataclass(frozen=True)
class ModelFit:
    """What ``fit_model`` (and ``pprl fit``) produces: the ``model`` with its link threshold,
    the ``summary`` of ``fit_from_matches`` and the link threshold ``choice`` (each tried
    threshold's entity F1)."""

    model: FieldModel
    summary: dict[str, int]
    choice: LinkChoice


def fit_model(
    left: pa.Table,
    right: pa.Table,
    matches: Iterable[tuple[str, str]],
    *,
    skipped: SkippedBlocks | None = None,
    split: bool = False,
    date_key: bool = False,
    hinges: bool = False,
    lsh: bool = False,
    nicknames: bool = False,
    name_keys: bool = False,
) -> ModelFit:
    """Fit a field model on known ``matches`` (left id, right id) between two encodings tables
    and store in it the entities link threshold of best entity F1 on them: what ``pprl fit``
    does (``fit_from_matches``, then ``entities.pick_link_threshold``). With ``split`` the
    cross-file and within-file thresholds are chosen as a pair (``FIT_LINK_THRESHOLDS`` each)
    and both stored (``within_link_threshold``; docs/pprl.md, round 7). With ``date_key`` the
    model also weighs ``DATE_KEY_FEATURES`` (round 8), with ``hinges`` ``HINGE_FEATURES``
    (round 9); with ``lsh`` it also compares the pairs MinHash LSH on the name filters finds
    and says so in the model (``candidates``, round 10); with ``nicknames`` it weighs
    ``NICKNAME_FEATURES`` (encodings with ``PprlParams.name_nicknames``, round 12), with
    ``name_keys`` ``NAME_KEY_FEATURES`` (round 20).

    ``skipped``, if given, records the over-common keys left out of the comparisons the link
    threshold is chosen on (left × right, left × left, right × right, as ``link_entities``
    counts them); the fit's own comparison is the first of these, so it is not counted twice.
    """
    from ringfence.resolve.pprl.entities import FIT_LINK_THRESHOLDS, pick_link_threshold

    known = set(matches)  # read twice
    fitted, summary = fit_from_matches(
        left, right, known, date_key=date_key, hinges=hinges, lsh=lsh, nicknames=nicknames,
        name_keys=name_keys,
    )
    within = FIT_LINK_THRESHOLDS if split else None
    choice = pick_link_threshold(
        left, right, fitted, known, skipped=skipped, within_thresholds=within
    )
    model = replace(
        fitted,
        link_threshold=choice.link_threshold,
        within_link_threshold=choice.within_link_threshold,
    )
    return ModelFit(model, summary, choice)
