"""PPRL entities that need support: after the connected components of the links at the link
threshold, two entities join only when their links at a lower *support* threshold cover a
share of their left-and-right record pairs, so one weak link cannot chain two people into
one (docs/pprl.md, round 18). ``pprl fit --unsupervised`` stores the two values in its model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ringfence.resolve.pprl.entities import Links

# Chosen on the bench's six train worlds only (docs/pprl.md, round 18).
SUPPORT_LINK_THRESHOLD = 0.8
SUPPORT_SHARE = 0.3


def check_unit(key: str, value: object) -> None:
    """A ValueError naming ``key`` unless ``value`` is a number above 0 and at most 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r} is not a number")
    if not 0.0 < value <= 1.0:  # NaN fails this too
        raise ValueError(f"{key!r} must be above 0 and at most 1, not {value}")


@dataclass(frozen=True)
class Support:
    """Join two entities when their links scoring >= ``link_threshold`` number at least
    ``share`` × |A| × |B| (A, B: their records)."""

    link_threshold: float = SUPPORT_LINK_THRESHOLD
    share: float = SUPPORT_SHARE

    def __post_init__(self) -> None:
        check_unit("support link_threshold", self.link_threshold)
        check_unit("support share", self.share)

    def join(self, links: Links, labels: np.ndarray, link_threshold: float) -> np.ndarray:
        """``labels`` (the components at ``link_threshold``, left records first) with the
        supported entities joined, in one pass; unchanged when the support threshold is not
        below ``link_threshold`` (those links are already in the components)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        if self.link_threshold >= link_threshold or len(labels) == 0:
            return labels
        keep = links.score >= self.link_threshold
        one, two = labels[links.a[keep]], labels[links.b[keep]]
        apart = one != two
        low, high = np.minimum(one[apart], two[apart]), np.maximum(one[apart], two[apart])
        count = int(labels.max()) + 1
        pairs, found = np.unique(low * count + high, return_counts=True)
        first, second = pairs // count, pairs % count
        size = np.bincount(labels, minlength=count)
        join = found >= self.share * size[first] * size[second]
        graph = coo_matrix(
            (np.ones(int(join.sum()), dtype=np.int8), (first[join], second[join])),
            shape=(count, count),
        )
        joined = np.asarray(connected_components(graph, directed=False)[1], dtype=np.int64)
        return joined[labels]
