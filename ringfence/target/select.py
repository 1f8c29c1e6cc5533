"""Choosing what to inspect under a capacity: exploit the ranking, explore at random, per port.

Pure functions over arrays (no lake, no store) so the rules are easy to test and to state:

* **Priority** is the expected value ``probability × value at stake`` (``rank_by="ev"``), the
  probability alone, or ``balanced``: ``p × (1 + value at stake)^γ`` with γ
  = ``ranking.BALANCED_GAMMA`` unless given (as its log; ``target/ranking.py``). The value at
  stake of a shipment is its ``value_at_stake`` column (what a mapping names as duty/tax at
  stake), else its declared value; shipments with neither get the median of those that have
  one, so a missing value neither hides nor promotes a shipment. When no shipment has a value,
  ranking falls back to probability alone.
* **Exploit / explore**: of a capacity ``c`` with exploration share ``e``, ``round(c × e)`` slots
  are drawn uniformly at random without replacement from the shipments *not* exploited, and the
  rest go to the top of the ranking. An exploited shipment's selection probability is 1; an
  explored one's is the exact inclusion probability of that draw, ``k / m`` for ``k`` draws among
  ``m`` remaining shipments. Training weights explored labels by its inverse. With ``sizes``
  (``target/explore/aim.py``) the draw is probability-proportional-to-size instead, by
  randomised systematic sampling, and the recorded chance is each pick's exact inclusion
  probability (``target/explore/pps.py``).
* **Per port** (``ports`` given): capacity is split across ports in proportion to their arrivals
  by the largest-remainder method (each port gets ``floor(c × n_p / n)``, the slots left over go
  to the largest fractional parts, ties to the port that sorts first), capped at the port's
  arrivals; the exploration slots are split across ports the same way in proportion to each
  port's capacity. Selection then runs within each port, so probabilities are per port.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ringfence.target import ranking
from ringfence.target.explore import pps

RANK_BY = ("ev", "probability", "balanced")
NO_PORT = "(no port)"


@dataclass(frozen=True)
class Pick:
    """One selected shipment: its index in the candidates, how and with what chance it was
    picked, and its rank in the final list (1 = first to inspect). An exploration pick also
    says how many candidates its draw chose from (``population``) and which draw it was
    (``group``: the port of a per-port draw, "" for one draw over all ports)."""

    index: int
    selected_by: str
    selection_probability: float
    rank: int = 0
    population: int | None = None
    group: str = ""


def values_at_stake(value_at_stake: np.ndarray, declared_value: np.ndarray) -> np.ndarray | None:
    """Each shipment's value at stake (column, else declared value, else the median of the
    others); None when no shipment has any value."""
    values = np.where(np.isfinite(value_at_stake), value_at_stake, declared_value)
    values = np.where(np.isfinite(values) & (values >= 0), values, np.nan)
    known = values[np.isfinite(values)]
    if known.size == 0:
        return None
    return np.where(np.isfinite(values), values, float(np.median(known)))


def priorities(
    probability: np.ndarray,
    values: np.ndarray | None,
    rank_by: str,
    gamma: float = ranking.BALANCED_GAMMA,
) -> tuple[np.ndarray, str]:
    """The ranking key and what it is (``ev``, ``balanced`` or ``probability``, after any
    fallback to probability when no shipment has a value); ``gamma``: ``balanced``'s weight
    on the value at stake."""
    if rank_by not in RANK_BY:
        raise ValueError(f"rank_by must be one of {RANK_BY}")
    if rank_by == "ev" and values is not None:
        return probability * values, "ev"
    if rank_by == "balanced" and values is not None:
        return ranking.balanced(probability, values, gamma), "balanced"
    return probability.astype(float), "probability"


def exploration_slots(capacity: int, exploration: float) -> int:
    """How many of ``capacity`` slots are drawn at random (``round(capacity × exploration)``,
    halves rounded up)."""
    if not 0.0 <= exploration <= 1.0:
        raise ValueError("exploration must be a share between 0 and 1")
    return min(capacity, math.floor(capacity * exploration + 0.5))


def allocate(total: int, weights: Sequence[float], caps: Sequence[int] | None = None) -> list[int]:
    """Split ``total`` whole slots in proportion to ``weights`` (largest remainder), never
    giving an item more than its cap; slots no item can take are left unallocated."""
    caps = list(caps) if caps is not None else [total] * len(weights)
    shares = [0] * len(weights)
    left = total
    while left > 0:
        open_items = [i for i, w in enumerate(weights) if shares[i] < caps[i] and w > 0]
        if not open_items:
            break
        weight_sum = sum(weights[i] for i in open_items)
        exact = {i: left * weights[i] / weight_sum for i in open_items}
        given = {i: min(math.floor(exact[i]), caps[i] - shares[i]) for i in open_items}
        remaining = left - sum(given.values())
        by_remainder = sorted(open_items, key=lambda i: (-(exact[i] - math.floor(exact[i])), i))
        for i in by_remainder:
            if remaining == 0:
                break
            if shares[i] + given[i] < caps[i]:
                given[i] += 1
                remaining -= 1
        for i, g in given.items():
            shares[i] += g
        if remaining == left:  # nothing could be placed
            break
        left = remaining
    return shares


def choose(
    priority: np.ndarray,
    capacity: int,
    explore: int,
    rng: np.random.Generator,
    sizes: np.ndarray | None = None,
) -> list[Pick]:
    """Exploit the top ``capacity - explore`` by priority, draw ``explore`` from the rest:
    uniformly, or in proportion to ``sizes`` (one per candidate) when given. Ties in priority
    are broken by position, so the result depends only on the seed."""
    n = len(priority)
    if capacity <= 0 or n == 0:
        return []
    if capacity >= n:
        return [Pick(int(i), "exploit", 1.0) for i in range(n)]
    explore = min(explore, capacity)
    order = np.lexsort((np.arange(n), -priority))
    exploit = order[: capacity - explore]
    rest = order[capacity - explore :]
    picks = [Pick(int(i), "exploit", 1.0) for i in exploit]
    if explore and sizes is not None:
        chances = pps.inclusion_probabilities(sizes[rest], explore)
        drawn_at = pps.draw(chances, rng)
        picks += [
            Pick(int(rest[j]), "explore", float(chances[j]), population=len(rest))
            for j in drawn_at
        ]
    elif explore:
        drawn = rng.choice(rest, size=explore, replace=False)
        chance = explore / len(rest)
        picks += [Pick(int(i), "explore", chance, population=len(rest)) for i in drawn]
    return picks


def select(
    priority: np.ndarray,
    capacity: int,
    exploration: float,
    rng: np.random.Generator,
    ports: Sequence[str | None] | None = None,
    sizes: np.ndarray | None = None,
) -> list[Pick]:
    """The inspection list: picks ranked by priority (rank 1 first), optionally per port;
    ``sizes`` aims the exploration draw (``choose``)."""
    if capacity < 0:
        raise ValueError("capacity must not be negative")
    explore = exploration_slots(capacity, exploration)
    if ports is None:
        picks = choose(priority, capacity, explore, rng, sizes)
    else:
        picks = []
        groups = port_groups(ports)
        names = sorted(groups)
        arrivals = [len(groups[p]) for p in names]
        capacities = allocate(capacity, arrivals, arrivals)
        explores = allocate(explore, capacities, capacities)
        for name, cap, k in zip(names, capacities, explores, strict=True):
            members = groups[name]
            aim = None if sizes is None else sizes[members]
            for pick in choose(priority[members], cap, k, rng, aim):
                picks.append(Pick(int(members[pick.index]), pick.selected_by,
                                  pick.selection_probability, population=pick.population,
                                  group=name))  # fmt: skip
    ranked = sorted(picks, key=lambda p: (-priority[p.index], p.index))
    return [
        Pick(p.index, p.selected_by, p.selection_probability, rank, p.population, p.group)
        for rank, p in enumerate(ranked, start=1)
    ]


def port_groups(ports: Sequence[str | None]) -> dict[str, np.ndarray]:
    """Candidate indices per port (shipments without a port form one group)."""
    groups: dict[str, list[int]] = {}
    for i, port in enumerate(ports):
        groups.setdefault(port or NO_PORT, []).append(i)
    return {name: np.asarray(members, dtype=np.int64) for name, members in groups.items()}
