"""The value-aware ranking slides from probability (γ = 0) to expected value (γ = 1)."""

from __future__ import annotations

import numpy as np

from ringfence.target.metrics import rank
from ringfence.target.ranking import balanced, value_aware_metrics

RNG = np.random.default_rng(4)
P = RNG.random(500)
STAKE = RNG.lognormal(5, 2, 500)


def test_gamma_zero_is_probability_and_one_is_expected_value():
    assert (rank(balanced(P, STAKE, 0.0)) == rank(P)).all()
    assert (rank(balanced(P, STAKE, 1.0)) == rank(P * (1 + STAKE))).all()
    assert not (rank(balanced(P, STAKE, 0.5)) == rank(P)).all()


def test_a_missing_value_counts_as_the_median():
    stake = np.array([1.0, 100.0, np.nan, 10_000.0])
    key = balanced(np.full(4, 0.5), stake, 1.0)
    assert key[2] == key[1] and key[0] < key[2] < key[3]


def test_more_weight_on_value_catches_more_revenue_at_a_small_budget():
    y = (RNG.random(500) < 0.3).astype(float)
    p = np.clip(0.3 + 0.4 * (y - 0.3) + RNG.normal(0, 0.2, 500), 0.01, 0.99)
    out = value_aware_metrics(y, p, STAKE, [5.0])
    revenue = [out[g]["budgets"]["5"]["revenue"] for g in ("gamma_0.05", "gamma_1")]
    assert revenue[1] > revenue[0]
