"""A label's first stage fitted once: the prior grid's fit of the chosen weight, reused by training.

The prior grid (``prior.choose``) fits each label's first stage (``model.first_stage``) on every
weight's matrix to judge the weight; training (``pipeline.fit_models``) then fits the chosen
weight's first stage again before its refit on the whole window. When training's rows, weights
and hard-negative column are the grid's (both with the default rare-label strategy), the fit is
the same — LightGBM is
deterministic here (``model.PARAMS``) — so the grid keeps each fit on its matrix with a digest of
those inputs (``keep``) and training takes it when its own digest agrees (``reusable``). A
mismatch (a two-stage label's second stage, other rows) fits again: reuse only saves time.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ringfence.score.model import FirstStage
    from ringfence.score.pipeline import Matrix


def digest(rows: np.ndarray, weight: np.ndarray | None, nesting: np.ndarray | None) -> str:
    """What a first stage was fitted on, besides its matrix: the rows (mask), their weights and
    the hard-negative column (the rare-label strategy is the default on both sides: the grid
    fits no other, and training's second stages are never looked up)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.packbits(np.asarray(rows, dtype=bool)).tobytes())
    h.update(len(rows).to_bytes(8, "little"))
    for part in (weight, nesting):
        h.update(b"-" if part is None else np.ascontiguousarray(part, dtype=np.float64).tobytes())
        h.update(b"|")
    return h.hexdigest()


def keep(
    matrix: Matrix,
    label: str,
    stage: FirstStage,
    rows: np.ndarray,
    weight: np.ndarray | None,
    nesting: np.ndarray | None,
) -> None:
    """Remember ``stage``, fitted on ``matrix``'s ``rows`` with ``weight`` and ``nesting``."""
    matrix.first_stages[label] = (digest(rows, weight, nesting), stage)


def reusable(
    matrix: Matrix, label: str, rows: np.ndarray, weight: np.ndarray | None,
    nesting: np.ndarray | None,
) -> FirstStage | None:  # fmt: skip
    """The first stage kept for ``label`` on ``matrix`` if it was fitted on these inputs."""
    found = matrix.first_stages.get(label)
    return found[1] if found is not None and found[0] == digest(rows, weight, nesting) else None
