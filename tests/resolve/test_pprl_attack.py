"""bench/_pprl_attack.py, the frequency attack behind docs/pprl.md's BLIP decision: it must
find a frequent town through a town filter, and only the blind guess through the CLK."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from bench._pprl_attack import attack_world
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
    assert city["clk"]["reidentified"] <= 0.6  # type: ignore[index]


def test_bit_flips_stop_identical_patterns_but_not_grouping_by_dice() -> None:
    town = _attack(0.05)["city"]["clk_city"]
    assert town["by_tau"]["1.0"] < 0.1  # type: ignore[index]
    assert town["reidentified"] >= 0.9  # type: ignore[index]
