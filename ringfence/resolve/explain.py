"""Pair explanations: Splink's per-field match weights in words a targeting officer reads.

"phone identical (+8.2)", "name similar 0.93 (+3.1)", "country differs (−1.0)": one reason per
field that said something, strongest first. A weight is in bits (Splink's ``mw_*`` column plus its
term-frequency adjustment ``mw_tf_adj_*``), so the reasons add up to the pair's match weight
minus the prior.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rapidfuzz.distance import JaroWinkler

# Words for each comparison's levels, in the level order of model.comparisons() without the
# null level (a missing value says nothing and gets no reason).
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "name": (
        "name identical",
        "name similar",
        "name same letters",
        "name nearly identical",
        "name sounds alike",
        "name same but for a nickname",
        "name within the other",
        "name shares a rare word",
        "name shares a word",
        "name shares a word's sound",
        "name has a word written alike",
        "name differs",
    ),
    "phone": (
        "phone identical",
        "phone identical, shared by many names",
        "phone shared by many names",
        "phone differs",
    ),
    "email": (
        "e-mail identical",
        "e-mail identical, shared by many names",
        "e-mail shared by many names",
        "e-mail nearly identical",
        "e-mail differs",
    ),
    "identifier": ("identifier identical", "identifier one character apart", "identifier differs"),
    "birth_date": (
        "date of birth identical",
        "date of birth one character apart",
        "date of birth within a month",
        "date of birth within a year",
        "same year of birth",
        "date of birth two characters apart",
        "date of birth within ten years",
        "date of birth differs",
    ),
    "bank_account": ("bank account identical", "bank account differs"),
    "address": (
        "address identical",
        "address identical, shared by many names",
        "address shared by many names",
        "street similar, same postcode or town",
        "same postcode",
        "same street, other postcode",
        "same town",
        "town similar",
        "address differs",
    ),
    "country": ("country identical", "country differs"),
}

# Minimum |weight| worth mentioning: below it a field neither helped nor hurt.
MIN_WEIGHT = 0.05


def field_weight(row: Mapping[str, Any], comparison: str) -> float | None:
    """Bits a comparison contributed to a predicted pair (None when it was not observed)."""
    gamma = row.get(f"gamma_{comparison}")
    if gamma is None or gamma == -1:
        return None
    return _number(row.get(f"mw_{comparison}")) + _number(row.get(f"mw_tf_adj_{comparison}"))


def _number(value: Any) -> float:
    """A weight column's value; missing (no term-frequency adjustment) counts as 0 bits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0.0
    return float(value)


def field_reason(row: Mapping[str, Any], comparison: str) -> tuple[float, str] | None:
    """(weight, words) for one comparison of a predicted pair, or None if it was missing."""
    weight = field_weight(row, comparison)
    words = LEVEL_WORDS.get(comparison)
    if weight is None or words is None or abs(weight) < MIN_WEIGHT:
        return None
    gamma = int(row[f"gamma_{comparison}"])
    phrase = words[max(0, min(len(words) - 1, len(words) - 1 - gamma))]
    if comparison == "name" and phrase == "name similar":
        left, right = row.get("name_norm_l") or "", row.get("name_norm_r") or ""
        phrase = f"name similar {JaroWinkler.similarity(left, right):.2f}"
    return weight, f"{phrase} ({format_weight(weight)})"


def format_weight(weight: float) -> str:
    """A signed weight with one decimal and a true minus sign: +8.2, −1.0."""
    return f"+{weight:.1f}" if weight >= 0 else f"\N{MINUS SIGN}{abs(weight):.1f}"


def pair_reasons(row: Mapping[str, Any]) -> list[str]:
    """All reasons of a predicted pair, strongest (by absolute weight) first."""
    found = [r for c in LEVEL_WORDS if (r := field_reason(row, c)) is not None]
    return [words for _, words in sorted(found, key=lambda item: -abs(item[0]))]
