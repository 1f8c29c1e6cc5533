"""Score shipments in-process with a stored model version: probabilities per label and reasons.

Features need each shipment's history, so the whole lake's features are computed (fast, in SQL)
and the requested shipments picked out; the label history is everything known before each
shipment's own date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ringfence.errors import NotFoundError, UserError
from ringfence.score.explain import explain_row
from ringfence.score.features import switches_note
from ringfence.score.model import ScoringModel, load_model
from ringfence.score.pipeline import EPOCH, Matrix, load_matrix
from ringfence.score.rules import Rule
from ringfence.settings import Settings
from ringfence.store.engine import open_engine


def score_matrix(model: ScoringModel, matrix: Matrix) -> dict[str, np.ndarray]:
    """Calibrated probability per label for every row of a matrix."""
    if matrix.names != model.features:
        missing = sorted(set(model.features) - set(matrix.names))
        note = switches_note(model.extra.get("feature_switches"))
        raise UserError(
            f"model {model.version} expects other features (missing: {', '.join(missing[:5])})"
            f"{note}; retrain with 'ringfence train'"
        )
    return {label: m.probability(matrix.x) for label, m in model.models.items()}


def explain_rows(
    model: ScoringModel, matrix: Matrix, rows: np.ndarray, rules: list[Rule], top: int = 5
) -> dict[str, list[list[str]]]:
    """Reasons per label for the selected row indices."""
    records = matrix.table.take(pa.array(rows)).to_pylist()
    out: dict[str, list[list[str]]] = {}
    for label, m in model.models.items():
        contrib = m.contributions(matrix.x[rows])
        out[label] = [
            explain_row(contrib[i], matrix.names, records[i], rules, matrix.fired[r], top)
            for i, r in enumerate(rows)
        ]
    return out


def score_shipments(
    settings: Settings,
    shipment_ids: Sequence[str] | None = None,
    since: dt.date | None = None,
    version: str | None = None,
    rules_path: str | Path | None = None,
    explain: bool = True,
) -> list[dict[str, Any]]:
    """Scores (and reasons) of the given shipments, or of all dated on/after ``since``."""
    model = load_model(settings, version)
    engine = open_engine(settings)
    try:
        matrix, _, rules = load_matrix(
            settings, engine, None, rules_path, prior_weight=model.prior_weight
        )
    finally:
        engine.close()
    rows = _select(matrix, shipment_ids, since)
    scores = score_matrix(model, matrix)
    reasons = explain_rows(model, matrix, rows, rules) if explain else {}
    ids = matrix.table.column("id").to_pylist()
    keys = matrix.table.column("source_key").to_pylist()
    return [
        {
            "id": ids[r],
            "source_key": keys[r],
            "scores": {label: float(s[r]) for label, s in scores.items()},
            "reasons": {label: rs[i] for label, rs in reasons.items()},
            "model_version": model.version,
        }
        for i, r in enumerate(rows)
    ]


def _select(matrix: Matrix, ids: Sequence[str] | None, since: dt.date | None) -> np.ndarray:
    if ids is not None:
        wanted = set(ids)
        all_ids = matrix.table.column("id").to_pylist()
        rows = np.array([i for i, v in enumerate(all_ids) if v in wanted], dtype=np.int64)
        if len(rows) < len(wanted):
            raise NotFoundError(f"{len(wanted) - len(rows)} of the shipments are not in the lake")
        return rows
    mask = np.ones(matrix.table.num_rows, dtype=bool)
    if since is not None:
        mask = matrix.days() >= (since - EPOCH).days
    return np.flatnonzero(mask)
