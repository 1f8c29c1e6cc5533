"""``compare_names``: one call from two raw names (and their schemas) to a judgement with words.

This is the function compare-parties, screening and (through ``name_logit``) any other caller
use, so that a name is judged the same way everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ringfence.resolve.names.analyse import Analysed, analyse
from ringfence.resolve.names.model import NameModel, default_model
from ringfence.resolve.names.nicknames import same_given_name
from ringfence.resolve.names.schemas import kind_of
from ringfence.resolve.names.similarity import FEATURES

# Below this rarity of its matched words a name is flagged "(common name)" in reasons.
COMMON_RARITY = 0.35


@dataclass(frozen=True)
class NameComparison:
    """The name evidence of a pair."""

    logit: float  # natural log-odds of "same entity" from the names, given a side-by-side prior
    probability: float
    similarity: float  # share of letters that line up, in [0, 1] (for reasons)
    reason: str


def name_logit(
    left: str | None,
    right: str | None,
    left_schema: str | None = None,
    right_schema: str | None = None,
) -> float:
    """Natural log-odds from the names alone (0 when either is missing): for resolution or
    any other caller that wants the name evidence as a number."""
    return compare_names(left, right, left_schema, right_schema).logit


def compare_names(
    left: str | None,
    right: str | None,
    left_schema: str | None = None,
    right_schema: str | None = None,
    model: NameModel | None = None,
) -> NameComparison:
    """Judge two names like a sanctions matcher (docs/names.md)."""
    chosen = model or default_model()
    a = analyse(left or "", kind_of(left_schema))
    b = analyse(right or "", kind_of(right_schema))
    if not a.tokens or not b.tokens:
        return NameComparison(0.0, 0.5, math.nan, "")
    values = chosen.features(a, b)
    logit = chosen.logit_of(values, a.latin and b.latin)
    similarity = (values[0] + values[1]) / 2
    reason = name_reason(a, b, similarity, values, chosen)
    return NameComparison(logit, 1.0 / (1.0 + math.exp(-logit)), similarity, reason)


def name_reason(
    a: Analysed, b: Analysed, similarity: float, values: list[float], model: NameModel
) -> str:
    """Words for the name evidence: identical / similar 0.87 / differs, and what explains it."""
    if sorted(a.tokens) == sorted(b.tokens):
        phrase = "name identical" if a.tokens == b.tokens else "name identical (word order)"
    elif similarity >= 0.5:
        phrase = f"name similar {similarity:.2f}"
        notes = []
        if not (a.latin and b.latin):
            notes.append("transliterated")
        if values[FEATURES.index("initials")] > 0:
            notes.append("initials")
        if _nickname(a, b):
            notes.append("nickname")
        if notes:
            phrase += f" ({', '.join(notes)})"
    else:
        return f"name differs {similarity:.2f}"
    words = set(a.tokens) & set(b.tokens)
    if words and max(model.rarity(w) for w in words) < COMMON_RARITY:
        phrase += " (common name)"
    return phrase


def _nickname(a: Analysed, b: Analysed) -> bool:
    """A word of one person's name is a nickname of a word of the other's ("bill" / "william")."""
    return a.person and b.person and any(same_given_name(x, y) for x in a.tokens for y in b.tokens)
