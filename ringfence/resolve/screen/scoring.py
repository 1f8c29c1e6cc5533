"""Scoring candidates: a log-odds sum of evidence weights, squashed to [0, 1].

``bits = prior + Σ field weights``; ``score = 1 / (1 + 2**-bits)``, so 0.5 means even odds and
is the match threshold. Per field (weights.py gives the bits):

* phone, e-mail, identifier, bank account, address (street + postcode): ``*_exact`` when the
  query's cleaned value is one of the entity's, ``*_else`` when both have values and none is
  shared, nothing when either side has none;
* name: the name model of ``ringfence.resolve.names`` (the one compare-parties uses: translit-
  eration, word order, initials, honorifics, legal forms) gives log-odds ``L`` (in bits) that the
  two names are one entity's; the weight is ``min(L, name_exact)``, times ``rarity`` ∈ (0, 1]
  when positive (the query words' mean IDF over the largest IDF in the index: common names prove
  little), and at least ``NAME_FLOOR_BITS``. Only the ``MODEL_CANDIDATES`` candidates whose
  folded names are closest (rapidfuzz ``token_sort_ratio``, at least ``MODEL_MIN_RATIO``) and
  those sharing an exact value go through the model; the others keep ``name_else``;
* country: ``country_exact`` when equal, ``country_else`` when both known and different;
* schema: a person against a company or a vessel adds the schemas' relation bits (names/schemas.py).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

from ringfence.resolve.names import compare_names, relation
from ringfence.resolve.names.schemas import RELATION_BITS

if TYPE_CHECKING:
    from ringfence.resolve.screen.index import ScreeningIndex

NAME_FLOOR_BITS = -8.0
MODEL_CANDIDATES = 12
# Candidates whose folded names are further apart than this (token_sort_ratio) keep name_else
# without going through the model, unless they share an exact value with the query.
MODEL_MIN_RATIO = 40.0
LN2 = math.log(2.0)
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
    index: ScreeningIndex,
    clean: dict[str, str],
    cand: np.ndarray,
    hits: dict[int, set[str]],
    rarity: float,
) -> tuple[np.ndarray, list[str]]:
    """Bits the name adds for each candidate, and the name reason ("" when not compared)."""
    w = index.weights
    reasons = [""] * len(cand)
    query_norm, query_name = clean.get("name_norm", ""), clean.get("name", "")
    if not query_norm:
        return np.zeros(len(cand)), reasons
    sims = _closest(index, query_norm, cand)
    bits = np.full(len(cand), w.name_else)
    order = np.argsort(-sims, kind="stable")
    chosen = {k for k in order[:MODEL_CANDIDATES].tolist() if sims[k] >= MODEL_MIN_RATIO}
    chosen |= {k for k, i in enumerate(cand) if int(i) in hits}
    schema = clean.get("schema")
    for k in chosen:
        i = int(cand[k])
        judged = max(
            (
                compare_names(query_name, name, schema, index.schemas[i] or None)
                for name in [index.names[i], *(a for a, _ in index.aliases[i])]
            ),
            key=lambda j: (bool(j.reason), j.logit),
        )
        if not judged.reason:
            bits[k] = 0.0
            continue
        found = min(judged.logit / LN2, w.name_exact)
        bits[k] = max(NAME_FLOOR_BITS, found * rarity if found > 0 else found)
        reasons[k] = judged.reason
    return bits, reasons


def _closest(index: ScreeningIndex, query_norm: str, cand: np.ndarray) -> np.ndarray:
    """Per candidate, the folded-name similarity of its closest name (its own or an alias)."""
    sims = process.cdist(
        [query_norm], [index.norm_names[i] for i in cand], scorer=fuzz.token_sort_ratio
    )[0]
    for k, i in enumerate(cand):
        more = index.aliases[int(i)]
        if more:
            sims[k] = max(sims[k], *(fuzz.token_sort_ratio(query_norm, a) for _, a in more))
    return sims


def _reasons(
    index: ScreeningIndex, clean: dict[str, str], i: int, name: str, hit: set[str], rarity: float
) -> list[str]:
    """Human reasons for one candidate, strongest evidence first."""
    fields = [f for f in _EVIDENCE_ORDER if f in index.exact]
    reasons = [f"{_LABELS.get(f, f)} identical" for f in fields if f in hit]
    reasons += [
        f"{_LABELS.get(f, f)} differs"
        for f in fields
        if f not in hit and f in clean and index.has[f][i]
    ]
    if name:
        common = " (common name)" if rarity < COMMON_RARITY and "common" not in name else ""
        reasons.append(name + common)
    elif "name_norm" in clean:
        reasons.append("name differs")
    country = index.country[i]
    if "country" in clean and country:
        reasons.append("country agrees" if country == clean["country"] else "country differs")
    schema = clean.get("schema")
    if schema and RELATION_BITS[relation(schema, index.schemas[i] or None)]:
        reasons.append(f"schema {index.schemas[i]} is not {schema}")
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
    bits, names = _name_bits(index, clean, cand, hits, rarity)
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
    if clean.get("schema"):
        schema = clean["schema"]
        bits += np.fromiter(
            (RELATION_BITS[relation(schema, index.schemas[i] or None)] for i in cand),
            float,
            len(cand),
        )
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
                reasons=_reasons(index, clean, i, names[k], hits.get(i, set()), rarity),
            )
        )
    return matches
