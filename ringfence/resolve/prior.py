"""The prior of resolution re-estimated from the scored candidate pairs.

``model._estimate_prior`` guesses the share of matching pairs from deterministic rules and an
assumed recall of 0.7. That holds where duplicates share an e-mail or a phone; in a register
written many ways (Splink's historical figures: a person's records share a name, a birth date
or a town, rarely all) the rules find a fraction of the matches and the prior came out 1.6 bits
low, so pairs the model called 0.997 likely matches stayed below 0.5.

Here the prior is the maximum-likelihood share of matches given the trained Bayes factors of
every compared pair (EM on the prior alone; pairs never compared count as non-matches): the
expected number of matches among the candidates, divided by all pairs, until it settles. It
reads a histogram of match weights (one small table on either engine), not the pairs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Width of a histogram bin in bits (a 0.05-bit error in a pair's weight is invisible).
WEIGHT_BIN = 0.1
MAX_ROUNDS = 500
TOLERANCE = 1e-7  # relative change of the prior at which the rounds stop


def logit2(probability: float) -> float:
    """log2 of the odds of ``probability``."""
    return math.log2(probability / (1.0 - probability))


def histogram_sql(predictions: str) -> str:
    """SQL counting the scored pairs of ``predictions`` by match weight (bins of WEIGHT_BIN)."""
    return (
        f"SELECT round(match_weight / {WEIGHT_BIN}) * {WEIGHT_BIN} AS weight, count(*) AS pairs "
        f"FROM {predictions} WHERE match_weight > -1e300 AND match_weight < 1e300 "
        f"GROUP BY round(match_weight / {WEIGHT_BIN})"
    )


def refit_prior(histogram: pd.DataFrame, prior: float, mentions: int, floor: float) -> float:
    """The share of all ``mentions``' pairs expected to match, given the candidate pairs' weights
    (``histogram``: ``weight``, ``pairs``; weights computed with ``prior``), between ``floor``
    and 0.5. With nothing scored the prior stays."""
    total = mentions * (mentions - 1) / 2.0
    if histogram.empty or total < 1:
        return prior
    evidence = histogram["weight"].to_numpy(dtype=float) - logit2(prior)  # log2 Bayes factors
    counts = histogram["pairs"].to_numpy(dtype=float)
    current = prior
    for _ in range(MAX_ROUNDS):
        posterior = 1.0 / (1.0 + np.exp2(-(evidence + logit2(current))))
        estimate = min(max(float(np.dot(counts, posterior)) / total, floor), 0.5)
        if abs(estimate - current) <= TOLERANCE * current:
            return estimate
        current = estimate
    return current
