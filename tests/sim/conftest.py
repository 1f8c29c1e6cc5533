"""Small simulated worlds shared by the simulation tests (a few seconds in all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.sim import SimulationSummary, simulate


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationSummary]:
    """Ten days at full daily volume: 20,000 shipments, enough for base rates."""
    out = tmp_path_factory.mktemp("world")
    return out, simulate(out, seed=11, days=10, scale=1.0)


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationSummary]:
    """Three days at a fifth of the volume: for byte-level and end-to-end checks."""
    out = tmp_path_factory.mktemp("tiny")
    return out, simulate(out, seed=3, days=3, scale=0.2)
