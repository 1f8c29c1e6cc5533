"""Where to explore: sizes that aim the exploration draw at what the labels have not covered.

For the shipments of one draw, each of a few **keys** (the shipper, the route, the goods) says
how much is still unknown about it: a key value (one shipper account, one route) with ``n``
labels so far is worth ``1 / (1 + n)``, and that worth is shared among the day's shipments with
that value, so a never-inspected route gets the same mass whether it carries one parcel or fifty.
Each key's masses are normalised to sum to 1, and so is the model's **uncertainty**
``p (1 - p)``; the aimed size is their mean. A **defensive share** ``floor`` (default 0.2) of
the exploration mass is spread uniformly, so every shipment keeps a chance of at least
``floor · k / m`` and no label's inverse-probability weight exceeds ``m / (floor · k)`` — five
times the uniform draw's at the default (Hesterberg's defensive mixture).

The sizes feed ``pps.inclusion_probabilities``; nothing here draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FLOOR = 0.2


def key_mass(codes: np.ndarray, labels_seen: np.ndarray) -> np.ndarray:
    """Per shipment: ``1 / (1 + labels of its value)`` shared among the shipments of the same
    value, normalised to sum to 1 over the draw. ``codes``: the key value of each shipment;
    ``labels_seen``: labels so far of each shipment's value."""
    _, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    mass = 1.0 / (1.0 + np.asarray(labels_seen, dtype=float)) / counts[inverse]
    return mass / mass.sum()


def aimed_sizes(
    keys: Sequence[tuple[np.ndarray, np.ndarray]],
    probability: np.ndarray,
    floor: float = FLOOR,
) -> np.ndarray:
    """Sizes (summing to 1) of the shipments of one draw: the mean of each key's novelty mass
    (``keys``: pairs of codes and labels seen, as ``key_mass``) and the model's uncertainty,
    mixed with a uniform share ``floor``."""
    if not 0.0 < floor <= 1.0:
        raise ValueError("floor must be a share in (0, 1]")
    m = len(probability)
    parts = [key_mass(codes, seen) for codes, seen in keys]
    spread = probability * (1.0 - probability)
    if spread.sum() > 0:
        parts.append(spread / spread.sum())
    aimed = np.sum(parts, axis=0) if parts else np.full(m, 1.0)
    return (1.0 - floor) * aimed / aimed.sum() + floor / m
