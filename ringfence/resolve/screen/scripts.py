"""Candidates for a name written in another script, by consonant skeletons of whole names.

A name transliterated from Hebrew, Arabic or Korean script often shares no word with its Latin
spelling ("d'gls 'dms" for Douglas Adams, "beulaedeulli kupeo" for Bradley Cooper), so the
token index finds nothing. Its consonants mostly survive: each indexed name is also kept as the
sorted coarse consonant skeletons of its words (similarity.coarse_skeleton: "bradley" and
"beulaedeulli" both "bltl"), and a query that was not in Latin letters
takes the ``limit`` names whose skeletons are closest (rapidfuzz ``token_sort_ratio``). The
skeletons are built on the first such query, and each such query scans them all (about 15 ms
on 10,000 entities): slower than a token lookup, so only for those queries and only up to
``index.SCRIPT_SCAN_LIMIT`` entities.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process

from ringfence.resolve.names.similarity import coarse_skeleton

MIN_SCORE = 60.0


def name_skeleton(norm: str) -> str:
    """The sorted coarse consonant skeletons of a normalised name's words."""
    return " ".join(sorted(s for w in norm.split() if (s := coarse_skeleton(w))))


class SkeletonNames:
    """Consonant skeletons of every indexed name, built on first use."""

    def __init__(self, norm_names: list[str]) -> None:
        self._norm_names = norm_names
        self._skeletons: list[str] | None = None

    def candidates(self, query_norm: str, limit: int) -> np.ndarray:
        """Indices of the ``limit`` names whose skeletons are closest to the query's."""
        if self._skeletons is None:
            cache: dict[str, str] = {}
            self._skeletons = [
                cache.get(n) or cache.setdefault(n, name_skeleton(n)) for n in self._norm_names
            ]
        wanted = name_skeleton(query_norm)
        if not wanted:
            return np.empty(0, dtype=np.int64)
        found = process.extract(
            wanted, self._skeletons, scorer=fuzz.token_sort_ratio, limit=limit,
            score_cutoff=MIN_SCORE,
        )  # fmt: skip
        return np.asarray([i for _, _, i in found], dtype=np.int64)
