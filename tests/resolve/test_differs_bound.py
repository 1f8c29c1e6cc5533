"""How much a "differs" level may keep of what training found (model._floor_probabilities)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from splink import DuckDBAPI, Linker

from ringfence.resolve.model import MAX_ELSE_M, _floor_probabilities, settings_creator
from ringfence.resolve.prepare import prepare_mentions


def _name_differs(estimates: list[float], blocks: tuple[str, ...] = ("birth_date",)) -> float:
    """The name's "differs" m after flooring, given each training session's estimate of it
    (sessions blocked on ``blocks`` in turn, as Splink describes them)."""
    cleaned = prepare_mentions(pa.table({"id": ["a", "b"], "name": ["Ann Lee", "Bo Chan"]}))
    linker = Linker(DuckDBAPI().register(cleaned), settings_creator(), log_level=None)
    name = next(c for c in linker._settings_obj.comparisons if c.output_column_name == "name")
    differs = next(level for level in name.comparison_levels if level._is_else_level)
    for number, estimate in enumerate(estimates):
        column = blocks[number % len(blocks)]
        differs._add_trained_m_probability(estimate, f'EM, blocked on: l."{column}" = r."{column}"')
    differs.m_probability, differs.u_probability = max(estimates), 0.99
    _floor_probabilities(linker)
    return float(differs.m_probability)


@pytest.mark.parametrize(
    ("estimates", "kept"),
    [
        ([0.3], MAX_ELSE_M),  # one session alone (a ring's shared mailbox) is not believed
        ([0.3, 0.12], 0.12),  # two sessions agree it is more: the smaller estimate is kept
        ([0.3, 0.02], MAX_ELSE_M),  # they disagree: bounded as before
        ([0.02, 0.03], 0.03),  # under the bound: what training found
    ],
)
def test_differs_keeps_at_most_the_bound_unless_sessions_agree(
    estimates: list[float], kept: float
) -> None:
    assert _name_differs(estimates) == pytest.approx(kept)


def test_two_contact_blocks_are_not_independent_enough() -> None:
    """A ring shares its mailbox and its bank account alike: both blocks inflate "differs"."""
    assert _name_differs([0.95, 0.08], ("email", "bank_account")) == pytest.approx(MAX_ELSE_M)
    assert _name_differs([0.95, 0.08], ("email", "birth_date")) == pytest.approx(0.08)
