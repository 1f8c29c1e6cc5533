"""Training weights of labels drawn with known selection probabilities.

* ``inverse``: ``1 / p`` (Horvitz–Thompson): unbiased, and with one explored parcel among a
  thousand, a weight near 1,000 — the variance is the price.
* ``clipped``: ``min(1 / p, clip)`` (truncated importance weights, Ionides 2008): biased toward
  the exploited labels, much less variance. The default ``clip`` (``DEFAULT_CLIP``) is a round
  figure, not tuned on any replay.
* ``self_normalised``: within one draw (one day's exploration), the explored labels' ``1 / p`` are
  rescaled to sum to the number of shipments the draw was made from (Hájek): the explored labels
  still stand for exactly that population, but a label drawn with an unusually small chance no
  longer stands for more than it is. For a uniform draw ``1 / p = m / k`` already sums to ``m``,
  so it equals ``inverse``; it differs for aimed (PPS) draws.
* ``none``: every label weighs 1.

Exploited labels (``p = 1``) weigh 1 under every scheme.
"""

from __future__ import annotations

import numpy as np

WEIGHTINGS = ("inverse", "clipped", "self_normalised", "none")
DEFAULT_CLIP = 50.0


def training_weights(
    probability: np.ndarray,
    weighting: str = "inverse",
    population: int | None = None,
    clip: float = DEFAULT_CLIP,
) -> np.ndarray:
    """Weights of the labels of one draw from their selection probabilities. ``population``:
    how many shipments the explored ones (``p < 1``) were drawn from (``self_normalised``)."""
    p = np.asarray(probability, dtype=float)
    if np.any((p <= 0) | (p > 1)):
        raise ValueError("selection probabilities must be in (0, 1]")
    inverse = 1.0 / p
    if weighting == "inverse":
        return inverse
    if weighting == "none":
        return np.ones_like(p)
    if weighting == "clipped":
        if clip < 1:
            raise ValueError("clip must be at least 1")
        return np.minimum(inverse, clip)
    if weighting == "self_normalised":
        explored = p < 1
        if not explored.any():
            return inverse
        if population is None or population < explored.sum():
            raise ValueError("self-normalised weights need the population the draw came from")
        out = inverse.copy()
        out[explored] = population * inverse[explored] / inverse[explored].sum()
        return out
    raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}")
