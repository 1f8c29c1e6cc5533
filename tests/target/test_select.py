"""Selection under capacity: exploit and explore, exact inclusion probabilities, port quotas."""

from __future__ import annotations

import numpy as np
import pytest

from ringfence.target.select import (
    allocate,
    choose,
    exploration_slots,
    priorities,
    select,
    values_at_stake,
)


def test_exploit_takes_the_top_and_explore_the_rest_at_random() -> None:
    priority = np.arange(100, dtype=float)  # index 99 is the riskiest
    picks = choose(priority, 10, 2, np.random.default_rng(0))
    exploit = sorted(p.index for p in picks if p.selected_by == "exploit")
    explore = [p for p in picks if p.selected_by == "explore"]
    assert exploit == list(range(92, 100))
    assert len(explore) == 2 and all(p.index < 92 for p in explore)
    assert all(p.selection_probability == pytest.approx(2 / 92) for p in explore)
    assert all(p.selection_probability == 1.0 for p in picks if p.selected_by == "exploit")


def test_recorded_probability_is_the_true_inclusion_frequency() -> None:
    priority = np.r_[np.zeros(40), np.ones(5)]
    rng = np.random.default_rng(1)
    hits = np.zeros(45)
    draws = 4000
    for _ in range(draws):
        for pick in choose(priority, 8, 3, rng):
            hits[pick.index] += 1
    recorded = choose(priority, 8, 3, rng)
    chance = next(p.selection_probability for p in recorded if p.selected_by == "explore")
    assert chance == pytest.approx(3 / 40)
    assert np.all(hits[40:] == draws)  # the five riskiest are always exploited
    # Binomial standard error of a frequency of 0.075 over 4000 draws is ~0.004.
    assert np.abs(hits[:40] / draws - chance).max() < 0.02


def test_capacity_beyond_arrivals_takes_everything() -> None:
    picks = choose(np.array([0.1, 0.5]), 5, 1, np.random.default_rng(0))
    assert {(p.index, p.selected_by, p.selection_probability) for p in picks} == {
        (0, "exploit", 1.0),
        (1, "exploit", 1.0),
    }
    assert choose(np.array([]), 5, 1, np.random.default_rng(0)) == []


def test_exploration_slots_round_half_up() -> None:
    assert [exploration_slots(c, 0.1) for c in (0, 4, 5, 10, 14, 15)] == [0, 0, 1, 1, 1, 2]
    assert exploration_slots(3, 1.0) == 3 and exploration_slots(10, 0.0) == 0
    with pytest.raises(ValueError):
        exploration_slots(10, 1.5)


def test_largest_remainder_allocation() -> None:
    assert allocate(10, [5, 3, 2]) == [5, 3, 2]
    assert allocate(7, [1, 1, 1]) == [3, 2, 2]  # the leftover slot goes to the first tie
    assert allocate(10, [600, 300, 100]) == [6, 3, 1]
    assert allocate(3, [10, 10, 1]) == [2, 1, 0]
    assert allocate(10, [8, 1, 1], caps=[8, 1, 1]) == [8, 1, 1]
    assert allocate(10, [1, 1], caps=[2, 3]) == [2, 3]  # no more slots than items
    assert sum(allocate(97, [13, 29, 55, 3])) == 97


def test_per_port_capacity_follows_arrivals_and_ranks_globally() -> None:
    ports = ["A"] * 60 + ["B"] * 30 + [None] * 10
    priority = np.random.default_rng(2).random(100)
    picks = select(priority, 10, 0.2, np.random.default_rng(3), ports)
    per_port: dict[str, int] = {}
    for pick in picks:
        key = ports[pick.index] or "(no port)"
        per_port[key] = per_port.get(key, 0) + 1
    assert per_port == {"A": 6, "B": 3, "(no port)": 1}
    assert [p.rank for p in picks] == list(range(1, 11))
    assert list(priority[[p.index for p in picks]]) == sorted(priority[[p.index for p in picks]],
                                                              reverse=True)  # fmt: skip
    explore = [p for p in picks if p.selected_by == "explore"]
    assert len(explore) == 2  # 2 slots split 6:3:1 by capacity -> A and B get one each
    for pick in explore:
        port = ports[pick.index]
        exploited = 5 if port == "A" else 2
        assert pick.selection_probability == pytest.approx(
            1 / ((60 if port == "A" else 30) - exploited)
        )


def test_expected_value_uses_value_at_stake_then_declared_then_median() -> None:
    values = values_at_stake(np.array([10.0, np.nan, np.nan]), np.array([1.0, 30.0, np.nan]))
    assert values is not None and list(values) == [10.0, 30.0, 20.0]
    assert values_at_stake(np.full(2, np.nan), np.full(2, np.nan)) is None
    p = np.array([0.5, 0.1, 0.2])
    ev, used = priorities(p, values, "ev")
    assert used == "ev" and list(ev) == pytest.approx([5.0, 3.0, 4.0])
    assert priorities(p, None, "ev")[1] == "probability"
    assert list(priorities(p, values, "probability")[0]) == list(p)


def test_balanced_ranking_sits_between_probability_and_expected_value() -> None:
    # A sure small find, an unlikely large one and a middling one: probability ranks the sure
    # one first, expected value the large one, the balanced key (γ = 0.1) the middle one.
    p = np.array([0.9, 0.01, 0.5])
    values = np.array([1.0, 1e6, 1e3])
    order = {
        rank_by: list(np.argsort(-priorities(p, values, rank_by)[0]))
        for rank_by in ("probability", "ev", "balanced")
    }
    assert order["probability"][0] == 0 and order["ev"][0] == 1
    assert order["balanced"][0] == 2
    assert priorities(p, values, "balanced")[1] == "balanced"
    assert priorities(p, None, "balanced")[1] == "probability"


def test_an_exploration_pick_knows_its_draw_population_and_port() -> None:
    """Each explored pick records how many candidates its draw chose from: all the
    unexploited ones, or those of its own port when drawn per port."""
    rng = np.random.default_rng(1)
    priority = np.linspace(1.0, 0.0, 50)
    picks = select(priority, 10, 0.3, rng)
    assert {(p.population, p.group) for p in picks if p.selected_by == "explore"} == {(43, "")}
    assert {p.population for p in picks if p.selected_by == "exploit"} == {None}
    ports = ["A"] * 30 + ["B"] * 20
    per_port = select(priority, 10, 0.3, rng, ports)
    explored = {(p.group, p.population) for p in per_port if p.selected_by == "explore"}
    assert explored == {("A", 30 - 6 + 2), ("B", 20 - 4 + 1)}
