"""bench/_pprl_attack.py, the frequency attack behind docs/pprl.md's BLIP decision: it must
find a frequent town through a town filter, and only the blind guess through the CLK."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from bench._pprl_attack import (
    COARSE_TAUS,
    FINE_TAUS,
    TAUS,
    attack_filter,
    attack_world,
    dice_matrix,
    greedy_groups,
    set_tau_grid,
)
from ringfence.resolve.pprl import encode_parties
from ringfence.resolve.pprl.params import FIELD_PARAMS
from tests.resolve.test_pprl import SECRET, parties

FIRST = ["anna", "bruno", "carla", "dieter", "emil", "frida", "greta", "hugo", "ida", "jonas"]
LAST = ["meyer", "kowalski", "novak", "dubois", "rossi", "jansen", "berg", "lund", "moreau"]


def _people(prefix: str, towns: list[str]) -> pa.Table:
    rows = [
        {"id": f"{prefix}{i}", "name": f"{FIRST[i % 10]} {LAST[i % 9]} {prefix}{i}x",
         "city": town, "country": "DE"}
        for i, town in enumerate(towns)
    ]  # fmt: skip
    return parties(*rows)


TOWNS = ["leeds"] * 60 + ["york"] * 30 + [f"town{i}" for i in range(10)]


def _attack(flip: float) -> dict[str, dict[str, object]]:
    params = replace(FIELD_PARAMS, flip_probability=flip)
    table = _people("r", TOWNS)
    return attack_world(_people("c", TOWNS), [encode_parties(table, SECRET, params)], [table])


def test_a_town_filter_gives_its_frequent_towns_away_and_the_clk_does_not() -> None:
    city = _attack(0.0)["city"]
    assert city["blind_guess"] == 0.6
    assert city["clk_city"]["reidentified"] >= 0.9  # type: ignore[index]
    # On the coarse grid the CLK gave the blind guess (0.6); the fine grid finds a tau (0.37)
    # at which some of york's CLKs group apart (0.65): a little, far below the town filter.
    assert city["clk"]["reidentified"] <= 0.7  # type: ignore[index]


def test_bit_flips_stop_identical_patterns_but_not_grouping_by_dice() -> None:
    town = _attack(0.05)["city"]["clk_city"]
    assert town["by_tau"]["1.0"] < 0.1  # type: ignore[index]
    assert town["reidentified"] >= 0.9  # type: ignore[index]


def _between_grid_points() -> tuple[np.ndarray, list[str], list[str]]:
    """20 records of town a and 10 of town b, 20 bits each: a town's 17 bits (b's share 16 of
    a's) and three of the record's own, so Dice is 0.85 within a town and 0.8 across: only a
    tau in (0.8, 0.85] separates the towns, and no tau of the coarse grid is there."""
    bits = np.zeros((30, 18 + 3 * 30), dtype=np.uint8)
    bits[:20, 0:17] = 1
    bits[20:, 1:18] = 1
    for row in range(30):
        bits[row, 18 + 3 * row : 21 + 3 * row] = 1
    return bits, ["a"] * 20 + ["b"] * 10, ["a"] * 20 + ["b"] * 10


def test_the_fine_grid_finds_a_tau_between_the_coarse_grid_points() -> None:
    bits, truth, census = _between_grid_points()
    coarse = attack_filter(bits, truth, census, COARSE_TAUS)
    fine = attack_filter(bits, truth, census)
    assert coarse["reidentified"] == 0.6667 and coarse["tau"] == 0.8  # a and b one group
    assert fine["reidentified"] == 1.0 and 0.8 < fine["tau"] <= 0.85
    assert fine["by_tau"]["0.9"] < 0.1 and fine["by_tau"]["0.8"] == 0.6667


def test_the_default_grid_is_fine_and_the_bench_can_restore_the_coarse_one() -> None:
    assert TAUS == FINE_TAUS and len(FINE_TAUS) == 100 and FINE_TAUS[-1] == 0.01
    assert set(COARSE_TAUS) < set(FINE_TAUS)
    bits, truth, census = _between_grid_points()
    try:
        set_tau_grid(coarse=True)
        assert attack_filter(bits, truth, census)["reidentified"] == 0.6667
    finally:
        set_tau_grid(coarse=False)
    assert attack_filter(bits, truth, census)["reidentified"] == 1.0


def test_grouping_with_the_singletons_shortcut_equals_the_plain_greedy_grouping() -> None:
    rng = np.random.default_rng(3)
    bits = (rng.random((120, 64)) < 0.2).astype(np.uint8)
    bits[:40] = bits[0]  # one frequent pattern, the rest random
    bits[:40, rng.integers(0, 64, 40)] ^= 1
    dice = dice_matrix(bits)
    for tau in (1.0, 0.85, 0.6, 0.3):
        near = dice >= tau - 1e-6
        plain = np.full(len(bits), -1)
        for row in np.argsort(-near.sum(axis=1), kind="stable"):
            if plain[row] < 0:
                plain[near[row] & (plain < 0)] = row
        assert (greedy_groups(bits, tau, dice) == plain).all()
