"""Probability-proportional-to-size draws without replacement, with exact inclusion probabilities.

``inclusion_probabilities(sizes, k)`` turns sizes into first-order inclusion probabilities
``π_i = k · s_i / Σ s`` with the units that would get ``π ≥ 1`` taken with certainty and the rest
recomputed on what is left (the usual iterative cap), so ``Σ π = k`` exactly.

``draw(pi, rng)`` is **randomised systematic sampling** (Goodman & Kish 1950; Hartley & Rao
1962): units are put in a random order, laid end to end on ``[0, k)`` with lengths ``π_i``, and
the points ``u, u+1, …, u+k-1`` (``u`` uniform on ``[0, 1)``) pick the units whose intervals
hold them. An interval of length ``π_i ≤ 1`` holds exactly one point with probability ``π_i``
and never two, so every draw has exactly ``k`` distinct units and unit ``i`` is drawn with
probability exactly ``π_i`` — the number recorded as its selection probability. (Joint
inclusion probabilities are not controlled; nothing here uses them.)
"""

from __future__ import annotations

import numpy as np


def inclusion_probabilities(sizes: np.ndarray, k: int) -> np.ndarray:
    """Inclusion probabilities proportional to ``sizes`` for a draw of ``k`` units, capped at 1
    (units of size 0 are never drawn; there must be at least ``k`` of positive size)."""
    sizes = np.asarray(sizes, dtype=float)
    if not np.all(np.isfinite(sizes)) or np.any(sizes < 0):
        raise ValueError("sizes must be finite and not negative")
    if k < 0 or k > int((sizes > 0).sum()):
        raise ValueError("k must be between 0 and the number of units of positive size")
    pi = np.zeros(len(sizes))
    certain = np.zeros(len(sizes), dtype=bool)
    while True:
        rest = ~certain & (sizes > 0)
        left = k - int(certain.sum())
        pi[rest] = left * sizes[rest] / sizes[rest].sum() if left else 0.0
        newly = rest & (pi >= 1.0)
        if not newly.any():
            break
        certain |= newly
        pi[certain] = 1.0
    return pi


def draw(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``round(Σ π)`` distinct units, unit ``i`` drawn with probability ``pi[i]``."""
    k = round(float(pi.sum()))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    order = rng.permutation(len(pi))
    ends = np.cumsum(pi[order])
    ends *= k / ends[-1]  # float round-off: the last interval ends at k exactly
    points = rng.random() + np.arange(k)
    at = np.minimum(np.searchsorted(ends, points, side="right"), len(pi) - 1)
    return np.asarray(order[at], dtype=np.int64)
