"""Service functions for scoring: the model matrix (features + rules), training and scoring.

The CLI (``ringfence train``) and later the API call these; they never print.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.errors import UserError
from ringfence.score import history, rare, stages
from ringfence.score import sample as sampling
from ringfence.score.canonical import canonical
from ringfence.score.features import FeatureSet, compute_features, feature_switches
from ringfence.score.goods import load_catalogue
from ringfence.score.inputs import known_labels, label_table, register_inputs
from ringfence.score.model import FirstStage, LabelModel, ScoringModel, save_model, train_label
from ringfence.score.network_risk import load_snapshots
from ringfence.score.rules import Rule, evaluate, load_rules, rules_score
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.target.explore.weights import DEFAULT_CLIP, training_weights

log = logging.getLogger(__name__)

Progress = Callable[..., None]
EPOCH = dt.date(1970, 1, 1)


@dataclass
class Matrix:
    """Model inputs for a set of shipments: features, fired rules and their score."""

    table: pa.Table  # id, source_key, date + feature columns (+ one column per label)
    x: np.ndarray
    names: list[str]
    fired: np.ndarray
    rules_score: np.ndarray
    # The profiles' smoothing (features.feature_sql), read when built: bench runs may set it.
    prior_weight: float = field(default_factory=lambda: history.PRIOR_WEIGHT)
    # How its labelled rows were sampled (score/sample.py); None: all of them.
    sample: sampling.TrainingSample | None = None
    # Label -> (digest, first stage) fitted on it by the prior grid (score/stages.py).
    first_stages: dict[str, tuple[str, FirstStage]] = field(default_factory=dict)

    def days(self) -> np.ndarray:
        """Each row's date as days since 1970."""
        dates = self.table.column("date").cast(pa.date32()).cast(pa.int32())
        return np.asarray(dates.to_numpy(zero_copy_only=False), dtype=np.int64)


def build_matrix(features: FeatureSet, rules: list[Rule]) -> Matrix:
    """Feature matrix with each rule's firing and the rules score appended as inputs."""
    table = features.table
    names = [*features.columns, *(f"rule_{r.name}" for r in rules), "rules_score"]
    # Column-major, filled column by column from Arrow: a row-major stack of a million rows
    # cost three times as much, and LightGBM predicts as fast from either layout.
    x = np.empty((table.num_rows, len(names)), order="F")
    for j, name in enumerate(features.columns):
        _fill_column(x[:, j], table.column(name))
    data = {c: x[:, j] for j, c in enumerate(features.columns)}
    fired = evaluate(rules, data, table.num_rows)
    score = rules_score(rules, fired)
    x[:, len(features.columns) : len(names) - 1] = fired
    x[:, len(names) - 1] = score
    return Matrix(table, x, names, fired, score)


def _fill_column(out: np.ndarray, column: pa.ChunkedArray) -> None:
    """Write a column as floats (null: NaN) into ``out``, chunk by chunk, rounded as
    ``canonical`` rounds (the same numbers from either engine)."""
    column = column.cast(pa.float64()).fill_null(np.nan)
    start = 0
    for chunk in column.chunks:
        out[start : start + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
        start += len(chunk)
    canonical(out)


def with_labels(engine: Engine, features: FeatureSet, labels: list[str]) -> FeatureSet:
    """Append the label columns (0/1/null) to a feature set, joined on shipment id."""
    lab = label_table(engine, labels)
    joined = features.table.join(lab, "id", join_type="left outer")
    joined = joined.sort_by([("date", "ascending"), ("id", "ascending")])
    return FeatureSet(joined, features.columns)


def load_matrix(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    rules_path: str | Path | None = None,
    oof: bool = False,
    prior_weight: float | None = None,
) -> tuple[Matrix, list[str], list[Rule]]:
    """Features of every ingested shipment (label history frozen at ``label_cutoff``); ``oof``
    for training: rows before the cut-off get out-of-fold profiles (``profiles.py``);
    ``prior_weight``: the profiles' smoothing (a model's ``prior_weight`` when scoring)."""
    rules = load_rules(rules_path)
    if not register_inputs(settings, engine):
        raise UserError("no shipments ingested yet: run 'ringfence ingest' first")
    labels = known_labels(engine)
    catalogue = load_catalogue(settings, engine)
    network = load_snapshots(settings, label_cutoff)
    features = compute_features(engine, labels, label_cutoff, catalogue, network, oof, prior_weight)
    features = with_labels(engine, features, labels)
    matrix = build_matrix(features, rules)
    matrix.prior_weight = history.PRIOR_WEIGHT if prior_weight is None else float(prior_weight)
    return matrix, labels, rules


def fit_models(
    matrix: Matrix,
    labels: list[str],
    until: dt.date,
    progress: Progress | None = None,
    selection: Mapping[str, float] | None = None,
    weighting: str = "inverse",
    clip: float = DEFAULT_CLIP,
    draws: Mapping[str, tuple[float, str, int]] | None = None,
) -> ScoringModel:
    """Train one model per label on labelled rows dated on or before ``until``.

    ``selection`` maps shipment ids to the recorded probability with which targeting picked them
    for inspection; their labels weigh its inverse (others weigh 1), see docs/targeting.md, or
    under ``weighting="clipped"`` at most ``clip``, or 1 (``"none"``), or under
    ``"self_normalised"`` the inverse rescaled per draw (``draws``: ``selection_draws``).
    """
    days = matrix.days()
    chosen = _selection_weights(matrix, selection, weighting, clip, draws)
    weight = sampling.times(chosen, sampling.row_weights(matrix, labels))
    in_window = days <= (until - EPOCH).days
    models: dict[str, LabelModel] = {}
    plan: dict[str, tuple[np.ndarray, np.ndarray, str]] = {}
    for label in labels:
        rows, y = label_rows(matrix, label, until, in_window)
        w = None if weight is None else weight[rows]
        plan[label] = (rows, y, _two_stage(matrix, labels, label, rows, y, w))
    for label, (rows, y, given) in plan.items():
        if given and plan[given][2]:  # no chains: a nesting label fitted in two stages itself
            plan[label] = (rows, y, "")
    # A two-stage label's second stage needs its nesting label's model: those come last.
    for i, label in enumerate(sorted(labels, key=lambda lab: bool(plan[lab][2]))):
        if progress:
            progress("train", i, len(labels))
        rows, y, given = plan[label]
        if given:  # the label among the nesting label's positives, times that label's model
            stage = rows & (np.nan_to_num(_column(matrix, given)) > 0)
            y_stage = np.asarray(_column(matrix, label)[stage], dtype=float)
            models[label] = train_label(
                label, matrix.x[stage], y_stage, days[stage], matrix.names,
                None if weight is None else weight[stage], strategy="none",
            )  # fmt: skip
            models[label].given = models[given]
            continue
        nesting = nesting_rows(matrix, labels, label, rows)
        w = None if weight is None else weight[rows]
        stage = stages.reusable(matrix, label, rows, w, nesting)
        models[label] = train_label(
            label, matrix.x[rows], y, days[rows], matrix.names, w, nesting, stage=stage
        )
    models = {label: models[label] for label in labels}
    if progress:
        progress("train", len(labels), len(labels))
    first = EPOCH + dt.timedelta(days=int(days[in_window].min()))
    model = ScoringModel(matrix.names, models, first.isoformat(), until.isoformat())
    model.prior_weight = matrix.prior_weight
    weighted = 0 if chosen is None else int((chosen != 1.0).sum())
    model.extra["selection_weighting"] = {
        "rows_weighted": weighted, "weighting": weighting, "weight": _WEIGHT_TEXT[weighting],
        **({"clip": clip} if weighting == "clipped" else {}),
    }  # fmt: skip
    model.extra["rare_labels"] = {"strategy": rare.STRATEGY, "share_below": rare.RARE_SHARE}
    if matrix.sample is not None:
        model.extra["training_sample"] = matrix.sample.record(int(in_window.sum()))
    model.extra["feature_switches"] = feature_switches()
    return model


def label_rows(
    matrix: Matrix, label: str, until: dt.date, in_window: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The rows (mask) a label's model learns from — in the window, labelled, the label known
    on or before ``until`` — and their 0/1 labels."""
    y_all = matrix.table.column(label)
    known = matrix.table.column(f"{label}__known").fill_null(np.iinfo(np.int32).max)
    rows = in_window & np.asarray(pc.is_valid(y_all).to_numpy(zero_copy_only=False))
    rows &= np.asarray(known.to_numpy(zero_copy_only=False)) <= (until - EPOCH).days
    if not rows.any():
        raise UserError(f"no '{label}' outcomes dated on or before {until}")
    return rows, np.asarray(y_all.to_numpy(zero_copy_only=False)[rows], dtype=float)


def nesting_rows(
    matrix: Matrix, labels: list[str], label: str, rows: np.ndarray
) -> np.ndarray | None:
    """0/1 per training row of another label whose positives hold all of ``label``'s (critical
    fraud inside fraud), for the rare-label strategy; None when no label does."""
    other = nesting_label(matrix, labels, label, rows)
    return None if other is None else np.nan_to_num(_column(matrix, other)[rows])


def nesting_label(matrix: Matrix, labels: list[str], label: str, rows: np.ndarray) -> str | None:
    """Another label whose positives hold all of ``label``'s positives among ``rows``."""
    y = _column(matrix, label)[rows]
    for other in labels:
        if other == label:
            continue
        z = _column(matrix, other)[rows]
        positive = y > 0
        if positive.any() and (z[positive] > 0).all() and np.nansum(z) > np.nansum(y):
            return other
    return None


def _column(matrix: Matrix, label: str) -> np.ndarray:
    """A label column as floats (NaN: no outcome for that label)."""
    column = matrix.table.column(label).cast(pa.float64()).fill_null(np.nan)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=float)


def _two_stage(
    matrix: Matrix,
    labels: list[str],
    label: str,
    rows: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray | None = None,
) -> str:
    """The nesting label a two-stage model of ``label`` builds on ("" when it is fitted alone):
    under ``rare.STRATEGY == "two_stage"``, for a rare label (``rows``/``y``/``weight``: its
    training rows, labels and weights)."""
    if rare.STRATEGY != "two_stage" or not rare.is_rare(y, weight):
        return ""
    return nesting_label(matrix, labels, label, rows) or ""


# ``ringfence train --weighting``: the replay's ``explore.weights`` schemes. Self-normalising
# needs each exploration draw and its population, which inspection tasks record since
# migration 0012 (``selection_draws``).
TRAIN_WEIGHTINGS = ("inverse", "clipped", "self_normalised", "none")
_WEIGHT_TEXT = {
    "inverse": "1/p",
    "clipped": "min(1/p, clip)",
    "self_normalised": "1/p rescaled per draw",
    "none": "1",
}


def check_weighting(weighting: str, clip: float) -> None:
    """Refuse a label weighting ``ringfence train`` does not offer, or a clip below 1."""
    if weighting not in TRAIN_WEIGHTINGS:
        raise UserError(f"--weighting must be one of {', '.join(TRAIN_WEIGHTINGS)}")
    if weighting == "clipped" and not clip >= 1:
        raise UserError(f"--clip must be at least 1 (got {clip:g})")


def _selection_weights(
    matrix: Matrix,
    selection: Mapping[str, float] | None,
    weighting: str = "inverse",
    clip: float = DEFAULT_CLIP,
    draws: Mapping[str, tuple[float, str, int]] | None = None,
) -> np.ndarray | None:
    check_weighting(weighting, clip)
    if not selection:
        return None
    ids = matrix.table.column("id").to_pylist()
    chance = np.array([selection.get(i, 1.0) for i in ids], dtype=float)
    if weighting == "self_normalised":
        return self_normalised_weights(ids, chance, draws or {})
    return training_weights(chance, weighting, clip=clip)


def self_normalised_weights(
    ids: list[str], chance: np.ndarray, draws: Mapping[str, tuple[float, str, int]]
) -> np.ndarray:
    """Per exploration draw, the labelled picks' ``1/p`` rescaled to sum to the draw's
    population (Hájek; ``explore.weights``): a draw's labels stand for exactly the shipments it
    chose from. Picks whose task names no draw (stored before migration 0012) keep ``1/p``;
    exploited labels weigh 1."""
    weight = 1.0 / chance
    groups: dict[tuple[str, int], list[int]] = {}
    for row, shipment in enumerate(ids):
        found = draws.get(shipment)
        if found is not None and chance[row] < 1.0:
            groups.setdefault((found[1], found[2]), []).append(row)
    for (_, population), rows in groups.items():
        picked = np.array(rows)
        weight[picked] = training_weights(
            chance[picked], "self_normalised", max(population, len(rows))
        )
    unnamed = int(np.sum(chance < 1.0)) - sum(len(r) for r in groups.values())
    if unnamed:
        log.info("%d explored labels without a recorded draw keep 1/p", unnamed)
    return weight


def selection_draws(settings: Settings) -> dict[str, tuple[float, str, int]]:
    """Each explored shipment's chance, draw and draw population (store tasks)."""
    from ringfence.store.operational import OperationalStore

    with OperationalStore.open(settings) as store:
        return store.selection_draws()


def selection_probabilities(settings: Settings) -> dict[str, float]:
    """The recorded selection probability of every shipment targeting queued (store tasks)."""
    from ringfence.store.operational import OperationalStore

    with OperationalStore.open(settings) as store:
        return store.selection_probabilities()


def train(
    settings: Settings,
    until: dt.date | None = None,
    rules_path: str | Path | None = None,
    progress: Progress | None = None,
    prior_weight: float | None = None,
    weighting: str = "inverse",
    clip: float = DEFAULT_CLIP,
) -> tuple[ScoringModel, Path]:
    """Train on everything labelled up to ``until`` (default: all) and store a new version.

    The profiles' prior weight is ``prior_weight``, else chosen from ``prior.GRID`` on the
    training window (``prior.training_matrix``); the manifest records it and how. Labels of
    shipments targeting picked weigh by ``weighting`` (``fit_models``)."""
    from ringfence.score.prior import training_matrix  # it imports this module

    check_weighting(weighting, clip)  # before any work

    engine = open_engine(settings)
    try:
        if until == dt.date.max:  # "up to the end of time": every label, as without --until
            until = None
        cutoff = until + dt.timedelta(days=1) if until else None
        selection = selection_probabilities(settings)
        draws = selection_draws(settings) if weighting == "self_normalised" else None

        def weigh(m: Matrix) -> np.ndarray | None:  # the prior grid weighs rows as fit_models
            return _selection_weights(m, selection, weighting, clip, draws)

        # Only labelled rows are learnt from: the others stay in the engine (docs/scale.md).
        matrix, labels, chosen = training_matrix(
            settings, engine, cutoff, until, rules_path, prior_weight, weigh
        )
        last = engine.query("SELECT max(date) AS last FROM shipments").column(0)[0].as_py()
    finally:
        engine.close()
    if not labels:
        raise UserError("no outcomes ingested: training needs labelled shipments")
    until = until or dt.date.fromisoformat(str(last)[:10])
    model = fit_models(matrix, labels, until, progress, selection, weighting, clip, draws)
    model.extra["profile_prior"] = chosen
    return model, save_model(settings, model)
