"""Scoring candidates: a log-odds sum of evidence weights, squashed to [0, 1].

``bits = prior + Σ field weights``; ``score = 1 / (1 + 2**-bits)``, so 0.5 means even odds and
is the match threshold. Per field (weights.py gives the bits):

* phone, e-mail, identifier, bank account, address (street + postcode): ``*_exact`` when the
  query's cleaned value is one of the entity's, ``*_else`` when both have values and none is
  shared, nothing when either side has none;
* name: ``s`` = rapidfuzz ``token_sort_ratio`` / 100 of the normalised names. At or above
  ``NAME_FLOOR`` the weight is ``name_exact · rarity · (s - NAME_FLOOR) / (1 - NAME_FLOOR)``
  where ``rarity`` ∈ (0, 1] is the query tokens' mean IDF over the largest IDF (common names
  prove little); below it, ``name_else``;
* country: ``country_exact`` when equal, ``country_else`` when both known and different.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from ringfence.resolve.screen.index import ScreeningIndex

NAME_FLOOR = 0.7
# Below this rarity a name is flagged "(common name)" in the reasons: its tokens are shared so
# widely that a name match alone cannot push the score past the threshold with default weights.
COMMON_RARITY = 0.6


# Exact fields in the order their reasons are listed (strongest evidence first).
_EVIDENCE_ORDER = ("identifier", "bank_account", "phone", "email", "address")
_LABELS = {"bank_account": "bank account"}


@dataclass
class Match:
    """One screening result."""

    entity_id: str
    name: str
    score: float
    watchlisted: bool
    network_risk: float | None
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _name_bits(
    index: ScreeningIndex, query_norm: str, cand: np.ndarray, rarity: float
) -> tuple[np.ndarray, np.ndarray]:
    """Name similarity of each candidate and the bits it adds."""
    w = index.weights
    if not query_norm:
        return np.full(len(cand), np.nan), np.zeros(len(cand))
    names = [index.norm_names[i] for i in cand]
    sims = process.cdist([query_norm], names, scorer=fuzz.token_sort_ratio)[0] / 100.0
    scale = np.clip((sims - NAME_FLOOR) / (1 - NAME_FLOOR), 0.0, 1.0)
    bits = np.where(sims >= NAME_FLOOR, w.name_exact * rarity * scale, w.name_else)
    return sims, bits


def _reasons(
    index: ScreeningIndex, clean: dict[str, str], i: int, sim: float, hit: set[str], rarity: float
) -> list[str]:
    """Human reasons for one candidate, strongest evidence first."""
    fields = [f for f in _EVIDENCE_ORDER if f in index.exact]
    reasons = [f"{_LABELS.get(f, f)} identical" for f in fields if f in hit]
    reasons += [
        f"{_LABELS.get(f, f)} differs"
        for f in fields
        if f not in hit and f in clean and index.has[f][i]
    ]
    if not np.isnan(sim):
        common = " (common name)" if rarity < COMMON_RARITY else ""
        if sim >= 1.0:
            reasons.append(f"name identical{common}")
        elif sim >= NAME_FLOOR:
            reasons.append(f"name similar {sim:.2f}{common}")
        else:
            reasons.append(f"name differs {sim:.2f}")
    country = index.country[i]
    if "country" in clean and country:
        reasons.append("country agrees" if country == clean["country"] else "country differs")
    return reasons


def score_candidates(
    index: ScreeningIndex,
    clean: dict[str, str],
    cand: np.ndarray,
    hits: dict[int, set[str]],
    rarity: float,
    limit: int,
) -> list[Match]:
    """Score every candidate (vectorised), then build matches for the best ``limit``."""
    w = index.weights
    sims, bits = _name_bits(index, clean.get("name_norm", ""), cand, rarity)
    bits = bits + w.prior
    for field in index.exact:
        if field not in clean:
            continue
        hit = np.fromiter((field in hits.get(int(i), ()) for i in cand), bool, len(cand))
        other = index.has[field][cand] & ~hit
        bits += np.where(hit, getattr(w, f"{field}_exact"), 0.0)
        bits += np.where(other, getattr(w, f"{field}_else"), 0.0)
    if "country" in clean:
        known = index.country[cand] != ""
        same = index.country[cand] == clean["country"]
        bits += np.where(known & same, w.country_exact, 0.0)
        bits += np.where(known & ~same, w.country_else, 0.0)
    scores = 1.0 / (1.0 + np.exp2(-bits))
    order = np.argsort(-scores, kind="stable")[:limit]
    matches = []
    for k in order:
        i = int(cand[k])
        risk = index.network_risk[i]
        matches.append(
            Match(
                entity_id=index.entity_ids[i],
                name=index.names[i],
                score=round(float(scores[k]), 4),
                watchlisted=bool(index.watchlisted[i]),
                network_risk=None if np.isnan(risk) else round(float(risk), 4),
                reasons=_reasons(index, clean, i, float(sims[k]), hits.get(i, set()), rarity),
            )
        )
    return matches
