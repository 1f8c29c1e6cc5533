"""Aimed exploration: PPS draws with exact inclusion probabilities, the sizes that aim them, and
the training weights of what they find."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringfence.target.explore.aim import aimed_sizes, key_mass
from ringfence.target.explore.pps import draw, inclusion_probabilities
from ringfence.target.explore.weights import DEFAULT_CLIP, training_weights
from ringfence.target.select import choose, select

DRAWS = 6000


def _frequencies(pi: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    hits = np.zeros(len(pi))
    k = round(pi.sum())
    for _ in range(DRAWS):
        got = draw(pi, rng)
        assert len(got) == k == len(set(got.tolist()))  # exactly k distinct units every time
        hits[got] += 1
    return hits / DRAWS


@settings(max_examples=12, deadline=None)
@given(
    # Sizes are 0 or at least 1e-6: a subnormal size would underflow to a chance of 0.
    sizes=st.lists(st.just(0.0) | st.floats(1e-6, 50.0), min_size=3, max_size=30),
    share=st.floats(0.05, 0.9),
    seed=st.integers(0, 2**16),
)
def test_empirical_inclusion_frequencies_match_the_stated_probabilities(
    sizes: list[float], share: float, seed: int
) -> None:
    s = np.array(sizes)
    positive = int((s > 0).sum())
    if positive == 0:
        return
    k = max(1, min(positive, round(share * len(s))))
    pi = inclusion_probabilities(s, k)
    assert pi.sum() == pytest.approx(k) and np.all((pi >= 0) & (pi <= 1))
    assert np.all(pi[s == 0] == 0)
    # Proportional to size below the cap: π_i / s_i is one constant among the uncapped units.
    free = (pi < 1) & (s > 0)
    if free.any():
        ratio = pi[free] / s[free]
        assert ratio == pytest.approx(np.full(free.sum(), ratio[0]))
        assert np.all(s[pi == 1] >= s[free].max() - 1e-12)
    freq = _frequencies(pi, seed)
    # Five binomial standard errors (plus a little for π near 0 or 1).
    tolerance = 5 * np.sqrt(pi * (1 - pi) / DRAWS) + 1e-3
    assert np.all(np.abs(freq - pi) <= tolerance), (freq, pi)


def test_large_units_are_taken_with_certainty_and_the_rest_rescaled() -> None:
    pi = inclusion_probabilities(np.array([100.0, 1.0, 1.0, 1.0, 1.0, 0.0]), 3)
    assert pi.tolist() == pytest.approx([1.0, 0.5, 0.5, 0.5, 0.5, 0.0])
    freq = _frequencies(pi, 4)
    assert freq[0] == 1.0 and freq[5] == 0.0
    with pytest.raises(ValueError):
        inclusion_probabilities(np.array([1.0, 0.0]), 2)  # only one unit can be drawn
    with pytest.raises(ValueError):
        inclusion_probabilities(np.array([1.0, -1.0]), 1)


def test_aimed_choice_records_each_picks_true_inclusion_frequency() -> None:
    priority = np.r_[np.zeros(30), np.ones(4)]
    sizes = np.r_[np.linspace(1, 10, 30), np.ones(4)]
    rng = np.random.default_rng(2)
    hits, recorded = np.zeros(34), np.full(34, np.nan)
    for _ in range(DRAWS):
        for pick in choose(priority, 7, 3, rng, sizes):
            hits[pick.index] += 1
            if pick.selected_by == "explore":
                recorded[pick.index] = pick.selection_probability
    assert np.all(hits[30:] == DRAWS)  # the four riskiest are always exploited
    expected = inclusion_probabilities(sizes[:30], 3)
    assert recorded[:30] == pytest.approx(expected)
    assert np.abs(hits[:30] / DRAWS - expected).max() < 5 * np.sqrt(0.25 / DRAWS)


def test_aimed_sizes_per_port_use_each_ports_own_shipments() -> None:
    priority = np.zeros(20)
    sizes = np.r_[np.ones(10), np.r_[np.full(9, 1.0), 91.0]]
    ports = ["A"] * 10 + ["B"] * 10
    picks = select(priority, 4, 0.5, np.random.default_rng(0), ports, sizes=sizes)
    explored = {p.index: p.selection_probability for p in picks if p.selected_by == "explore"}
    assert len(explored) == 2  # two slots a port: one exploited (the first, on ties), one drawn
    for index, chance in explored.items():
        members = slice(0, 10) if index < 10 else slice(10, 20)
        rest = [i for i in range(members.start, members.stop) if i not in {0, 10}]
        assert chance == pytest.approx(inclusion_probabilities(sizes[rest], 1)[rest.index(index)])


def test_unlabelled_key_values_get_more_mass_shared_by_their_shipments() -> None:
    codes = np.array([0, 0, 0, 0, 1, 1, 2])  # route 2 carries one parcel, route 0 four
    seen = np.array([50, 50, 50, 50, 0, 0, 0])  # route 0 inspected 50 times, 1 and 2 never
    mass = key_mass(codes, seen)
    assert mass.sum() == pytest.approx(1.0)
    assert mass[6] == pytest.approx(2 * mass[4])  # a value's mass is shared by its parcels
    assert mass[4] == pytest.approx(mass[5]) and mass[0] < mass[4] / 10


def test_aimed_sizes_favour_the_unknown_and_keep_a_uniform_floor() -> None:
    n = 100
    shipper = np.arange(n) % 10
    route = np.zeros(n, dtype=int)
    route[-2:] = 1  # a new route: two parcels, never inspected
    p = np.full(n, 0.01)
    sizes = aimed_sizes(
        [(shipper, np.full(n, 5)), (route, np.where(route == 1, 0, 400))], p, floor=0.2
    )
    assert sizes.sum() == pytest.approx(1.0)
    assert sizes.min() >= 0.2 / n - 1e-12
    assert sizes[-1] > 10 * sizes[0]
    uncertain = p.copy()
    uncertain[5] = 0.5
    flat = aimed_sizes([(shipper, np.full(n, 5))], uncertain)
    assert flat.argmax() == 5
    with pytest.raises(ValueError):
        aimed_sizes([], p, floor=0.0)


def test_weights_inverse_clipped_self_normalised_and_none() -> None:
    p = np.array([1.0, 1.0, 0.002, 0.01, 0.05])
    assert training_weights(p, "inverse").tolist() == pytest.approx([1, 1, 500, 100, 20])
    clipped = training_weights(p, "clipped", clip=50)
    assert clipped.tolist() == pytest.approx([1, 1, 50, 50, 20])
    assert training_weights(p, "clipped").max() == DEFAULT_CLIP
    normalised = training_weights(p, "self_normalised", population=400)
    assert normalised[:2].tolist() == [1.0, 1.0]  # exploited labels weigh 1 under every scheme
    assert normalised[2:].sum() == pytest.approx(400)
    assert normalised[2:] / normalised[2:].sum() == pytest.approx(np.array([500, 100, 20]) / 620)
    assert training_weights(p, "none").tolist() == [1.0] * 5
    uniform = np.r_[1.0, np.full(3, 3 / 900)]  # 3 uniform draws among 900
    assert training_weights(uniform, "self_normalised", population=900) == pytest.approx(
        training_weights(uniform, "inverse")
    )
    with pytest.raises(ValueError):
        training_weights(p, "self_normalised")
    with pytest.raises(ValueError):
        training_weights(np.array([0.0]), "inverse")
    with pytest.raises(ValueError):
        training_weights(p, "clipped", clip=0.5)
    with pytest.raises(ValueError):
        training_weights(p, "sqrt")
