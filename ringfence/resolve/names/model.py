"""The name model: logistic regressions over the pair features, shipped with the package.

``default_model.json`` holds the coefficients, the feature names, its version and how it was
trained (``bench/names_train.py`` writes it; docs/names.md tells how): one set for pairs of names
both written in Latin letters, one for pairs where a name was transliterated. It also holds the
document frequencies of the commonest name words of its training names, which make a common
name prove less than a rare one. ``NameModel.logit(a, b)`` is the log-odds (natural log) that
two names belong to the same entity *given that someone put them side by side*: the training
pairs are half true pairs and half near-namesakes (the most alike other name, or one sharing a
word), so the prior is even odds and 0.5 is the threshold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ringfence.resolve.names.analyse import Analysed
from ringfence.resolve.names.similarity import FEATURES, features

MODEL_FILE = "default_model.json"


@dataclass(frozen=True)
class NameModel:
    """Coefficients and word frequencies of one trained name model."""

    version: str
    coef: dict[str, tuple[float, ...]]  # regime ("latin" or "translit") → coefficients
    intercept: dict[str, float]
    documents: int
    frequencies: dict[str, int] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def rarity(self, word: str) -> float:
        """How rare a word is among names, in [0, 1]: ``ln(N / df) / ln(N)``; unknown → 1."""
        df = self.frequencies.get(word)
        if not df or self.documents < 2:
            return 1.0
        return max(0.0, min(1.0, math.log(self.documents / df) / math.log(self.documents)))

    def features(self, a: Analysed, b: Analysed) -> list[float]:
        """The pair's feature vector (``similarity.FEATURES`` order)."""
        return features(a, b, self.rarity)

    def logit(self, a: Analysed, b: Analysed) -> float:
        """Natural log-odds that the two names are one entity's (0 when either is empty)."""
        if not a.tokens or not b.tokens:
            return 0.0
        return self.logit_of(self.features(a, b), a.latin and b.latin)

    def logit_of(self, values: list[float], latin: bool) -> float:
        """Log-odds of a feature vector, with the coefficients of its regime."""
        regime = "latin" if latin else "translit"
        coef = self.coef[regime]
        return self.intercept[regime] + math.fsum(c * v for c, v in zip(coef, values, strict=True))

    def probability(self, a: Analysed, b: Analysed) -> float:
        """``logit`` as a probability."""
        return 1.0 / (1.0 + math.exp(-self.logit(a, b)))


def model_from_dict(data: dict[str, Any]) -> NameModel:
    """A ``NameModel`` from its JSON form; the feature names must be this code's."""
    if tuple(data["features"]) != FEATURES:
        raise ValueError("name model features do not match this version of ringfence")
    return NameModel(
        version=str(data["version"]),
        coef={k: tuple(float(c) for c in v) for k, v in data["coef"].items()},
        intercept={k: float(v) for k, v in data["intercept"].items()},
        documents=int(data.get("documents", 0)),
        frequencies={str(k): int(v) for k, v in data.get("frequencies", {}).items()},
        meta=dict(data.get("meta", {})),
    )


@lru_cache(maxsize=1)
def default_model() -> NameModel:
    """The model shipped in the package (read once)."""
    text = resources.files("ringfence.resolve.names").joinpath(MODEL_FILE).read_text("utf-8")
    return model_from_dict(json.loads(text))
