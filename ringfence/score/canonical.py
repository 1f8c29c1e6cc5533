"""Model inputs rounded to 33 significant bits: both engines feed LightGBM the same numbers.

DuckDB and Spark compute the same features in different orders and with different maths
libraries (Java's ``Math.log`` and C's ``log`` differ in the last bit on ~1.6 % of KCS's
declared values), so the two training matrices of the same data differed in 14,799 of 6.1M
entries by a few units in the last place, and in 280 by noise around zero (``0.0`` against
``-2.2e-16`` where a price equals its history's mean). LightGBM amplifies that: a threshold
between two distinct values moves, early stopping picks another round, and KCS's fraud model
had 163 trees from DuckDB's matrix and 108 from Spark's, scores up to 0.25 apart
(docs/scale.md, 2026-12-06).

Rounded to 32 bits after the leading one (relative change at most 2⁻³³ ≈ 1.2e-10, far below
anything a split can tell apart; whole numbers below 2³³ stay exact) after zeroing magnitudes under
``ZERO_BELOW``, the two KCS matrices are equal entry for entry and so are the models trained on
them. A value within a few units in the last place of a rounding boundary can still round
apart, with odds of a few in a million per differing entry.
"""

from __future__ import annotations

import numpy as np

SIGNIFICANT_BITS = 32  # of the mantissa's 52, after the implicit leading one
# Below any real feature (the smallest prior rate is ~1e-9 at ten million inspections), above
# the noise left where two equal quantities are subtracted (~1e-15 times their size).
ZERO_BELOW = 1e-12

_DROPPED = 52 - SIGNIFICANT_BITS  # float64 keeps 52 bits after the leading one
_HALF = np.uint64(1 << (_DROPPED - 1))
_MASK = ~np.uint64((1 << _DROPPED) - 1)
_BLOCK = 1 << 16


def canonical(values: np.ndarray) -> None:
    """Round a contiguous float64 array in place: tiny magnitudes to zero, then the mantissa
    to ``SIGNIFICANT_BITS`` (half away from zero; NaN and infinities unchanged).

    In blocks that stay in cache: 0.025–0.064 s for ten million values, against 0.07–0.6 s
    with whole-array temporaries (their first touch of fresh memory dominated)."""
    if values.dtype != np.float64 or not values.flags.contiguous:
        raise ValueError("canonical() needs a contiguous float64 array")
    flat = values.reshape(-1)
    size = min(_BLOCK, flat.size)
    magnitude, keep = np.empty(size), np.empty(size, dtype=bool)
    for start in range(0, flat.size, _BLOCK):
        block = flat[start : start + _BLOCK]
        n = block.size
        np.abs(block, out=magnitude[:n])
        np.greater_equal(magnitude[:n], ZERO_BELOW, out=keep[:n])
        np.multiply(block, keep[:n], out=block)  # NaN stays NaN: NaN times 0 is NaN
        np.add(block, 0.0, out=block)  # -0.0 (a tiny negative) becomes 0.0, as on the other side
        bits = block.view(np.uint64)
        np.add(bits, _HALF, out=bits)  # a carry out of the mantissa steps the exponent
        np.bitwise_and(bits, _MASK, out=bits)
