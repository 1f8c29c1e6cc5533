"""The default pair model of compare-parties: names judged by the shipped name model, every other
field by fixed evidence weights. Needs no data, no ``ringfence resolve``.

``score = sigmoid(name log-odds + ln 2 · Σ field bits + ln 2 · schema bits)``. The name log-odds
come from ``ringfence.resolve.names`` (trained on pairs where a true pair and a near-namesake
pair are equally likely: the prior is *even odds given that someone put the two side by side*).
Each other field that agrees or disagrees adds the bits of screening's default ``Weights``
(identifier +12 / −3, phone and e-mail and bank account +10 / −1.5, street and postcode +6 / −1,
country +1 / −2); a field missing on either side adds nothing. Schemas that cannot be one entity
(a person and a vessel) add −30 bits; two kinds of organisation −3 (names/schemas.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ringfence.resolve.explain import format_weight
from ringfence.resolve.names import compare_names, relation
from ringfence.resolve.names.schemas import RELATION_BITS
from ringfence.resolve.screen.weights import Weights

# Exact-compare fields → (words, Weights attribute prefix), strongest evidence first.
EXACT_FIELDS = (
    ("identifier", "identifier", "identifier"),
    ("bank_account", "bank account", "bank_account"),
    ("phone", "phone", "phone"),
    ("email", "e-mail", "email"),
    ("address", "address", "address"),
    ("country", "country", "country"),
)
LN2 = math.log(2.0)


@dataclass(frozen=True)
class PairScore:
    """Probability and reasons for one pair."""

    score: float
    reasons: list[str]


def birth_date_evidence(a: str | None, b: str | None, w: Weights) -> tuple[float, str] | None:
    """(bits, words) of two ISO dates of birth, whole or partial (``1956`` / ``1956-09-09``):
    compared as far as both go; agreeing on a year or a month only counts half."""
    if not a or not b:
        return None
    known = min(len(a), len(b))
    if a[:known] != b[:known]:
        return w.birth_date_else, "date of birth differs"
    if known >= len("1956-09-09"):
        return w.birth_date_exact, "date of birth identical"
    return w.birth_date_exact / 2, f"date of birth agrees as far as known ({a[:known]})"


def score_pair(
    left: Mapping[str, str | None], right: Mapping[str, str | None], weights: Weights | None = None
) -> PairScore:
    """Score two cleaned records (keys: name, schema, identifier, bank_account, phone, email,
    address, country, birth_date); values missing or ``None`` say nothing."""
    w = weights or Weights()
    found: list[tuple[float, str]] = []
    logit = 0.0
    names = compare_names(left.get("name"), right.get("name"), left.get("schema"),
                          right.get("schema"))  # fmt: skip
    if names.reason:
        logit += names.logit
        found.append((names.logit / LN2, names.reason))
    for field, words, attr in EXACT_FIELDS:
        a, b = left.get(field), right.get(field)
        if not a or not b:
            continue
        bits = getattr(w, f"{attr}_exact") if a == b else getattr(w, f"{attr}_else")
        found.append((bits, f"{words} {'identical' if a == b else 'differs'}"))
        logit += bits * LN2
    born = birth_date_evidence(left.get("birth_date"), right.get("birth_date"), w)
    if born is not None:
        found.append(born)
        logit += born[0] * LN2
    kind = relation(left.get("schema"), right.get("schema"))
    if RELATION_BITS[kind]:
        bits = RELATION_BITS[kind]
        found.append((bits, f"schemas {left.get('schema')} and {right.get('schema')}: {kind}"))
        logit += bits * LN2
    score = 1.0 / (1.0 + math.exp(-max(-700.0, min(700.0, logit))))
    reasons = [f"{words} ({format_weight(bits)})" for bits, words in
               sorted(found, key=lambda item: -abs(item[0]))]  # fmt: skip
    return PairScore(score, reasons)
