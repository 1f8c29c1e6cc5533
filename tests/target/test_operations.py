"""The learning-loop replay: both arms start alike, only inspected shipments reveal labels, and
explored labels carry the inverse of their selection probability."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.score.rules import load_rules
from ringfence.settings import Settings
from ringfence.sim import simulate
from ringfence.store.engine import open_engine
from ringfence.target import operations
from ringfence.target.explore.pps import inclusion_probabilities
from ringfence.target.explore.replay import day_sizes
from ringfence.target.operations import (
    Arm,
    inspect_day,
    load_world,
    run_week,
    simulate_operations,
)

WARMUP = 21


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("opsworld")
    simulate(folder, seed=5, days=WARMUP + 15, scale=0.15)
    return folder


def test_replay_reports_both_arms_from_the_same_start(world_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    report = simulate_operations(settings, world_dir, 2, 5, 0.2, seed=3, warmup_days=WARMUP)
    arms = report["arms"]
    assert set(arms) == {"exploit_only", "with_exploration"}
    only, explore = arms["exploit_only"]["weekly"], arms["with_exploration"]["weekly"]
    # Same start: the first week's model is trained on the same legacy labels in both arms.
    assert only[0]["training_labels"] == explore[0]["training_labels"] == report["warmup_labels"]
    assert only[0]["auc_truth"] == pytest.approx(explore[0]["auc_truth"])
    for week in only + explore:
        assert week["inspections"] == 7 * 5
        assert 0 <= week["seizures"] <= week["inspections"]
        assert week["precision"] == pytest.approx(week["seizures"] / week["inspections"])
    assert all(w["explored"] == 0 for w in only)
    assert all(w["explored"] == 7 for w in explore)  # round(5 × 0.2) = 1 a day
    assert only[1]["training_labels"] == report["warmup_labels"] + 35
    assert len(report["legacy"]) == 2


def test_only_inspected_shipments_reveal_labels_weighted_by_inverse_probability(
    world_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    world = load_world(settings, world_dir, WARMUP, seed=3)
    arm = Arm("with_exploration", 0.5)
    warm = np.flatnonzero(world.legacy & (world.days < world.first_day))
    arm.labels = {int(r): (bool(world.legacy_found[r]), 1.0, int(world.days[r])) for r in warm}
    before = dict(arm.labels)
    unweighted = Arm("with_exploration_unweighted", 0.5, weighted=False, labels=dict(before))
    engine = open_engine(settings)
    try:
        week = run_week(engine, world, arm, 0, 4, load_rules(), np.random.default_rng(0))
        run_week(engine, world, unweighted, 0, 4, load_rules(), np.random.default_rng(0))
    finally:
        engine.close()
    assert {w for _, w, _ in unweighted.labels.values()} == {1.0}
    new = {r: v for r, v in arm.labels.items() if r not in before}
    assert len(new) == week["inspections"] == 28
    day_sizes = {
        d: int((world.days == d).sum()) for d in range(world.first_day, world.first_day + 7)
    }
    weights = sorted({round(w, 6) for _, w, _ in new.values()})
    assert weights[0] == 1.0
    for row, (positive, weight, day) in new.items():
        assert positive == world.found[row]  # what an inspection of that parcel reveals
        if weight != 1.0:  # explored: 2 draws among the arrivals not exploited that day
            assert weight == pytest.approx((day_sizes[day] - 2) / 2)


def test_cli_prints_and_writes_the_curves(world_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ops.json"
    result = CliRunner().invoke(app, ["simulate-operations", "--weeks", "1", "--capacity", "3",
                                      "--world", str(world_dir), "--warmup-days", str(WARMUP),
                                      "--json", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "exploit" in result.output and "explore" in result.output
    assert json.loads(out.read_text())["arms"]["with_exploration"]["exploration"] == 0.1
    args = ["simulate-operations", "--weeks", "9", "--capacity", "3", "--world", str(world_dir),
            "--warmup-days", str(WARMUP)]  # fmt: skip
    bad = CliRunner().invoke(app, args)
    assert bad.exit_code == 2 and "world ends" in bad.output
    assert operations.LABEL == "counterfeit"


@pytest.fixture(scope="module")
def drift_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("opsdrift")
    simulate(folder, seed=5, days=WARMUP + 15, scale=0.3, new_ring_day=WARMUP + 2)
    return folder


def test_aimed_exploration_records_its_exact_chances_and_each_weighting(
    drift_dir: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    world = load_world(settings, drift_dir, WARMUP, seed=3)
    assert world.scenario is not None
    day = world.scenario["first_day"] + 3
    rows = np.flatnonzero(world.days == day)
    probability = np.random.default_rng(0).uniform(0, 0.2, len(rows))
    warm = np.flatnonzero(world.legacy & (world.days < world.first_day))
    legacy = {int(r): (bool(world.legacy_found[r]), 1.0, int(world.days[r])) for r in warm}
    sizes = day_sizes(world.keys, warm, rows, probability)
    new_route = world.ring[rows] == world.scenario["ring_id"]
    assert new_route.any() and sizes[new_route].min() > np.median(sizes)  # aimed at the unknown
    arms = {w: Arm(w, 0.5, labels=dict(legacy), weighting=w, aim="targeted", clip=5.0)
            for w in ("inverse", "clipped", "self_normalised")}  # fmt: skip
    found = {w: inspect_day(world, arm, rows, probability, 6, day, np.random.default_rng(1))
             for w, arm in arms.items()}  # fmt: skip
    exploited = set(rows[np.argsort(-probability, kind="stable")[:3]].tolist())
    rest = np.array([i for i, r in enumerate(rows) if r not in exploited])
    chance = dict(zip(rows[rest].tolist(), inclusion_probabilities(sizes[rest], 3), strict=True))
    explored = [row for row, _, by in found["inverse"] if by == "explore"]
    assert len(explored) == 3 and {r for r, _, _ in found["clipped"]} == set(explored) | exploited
    for row in explored:
        assert arms["inverse"].labels[row][1] == pytest.approx(1 / chance[row])
        assert arms["clipped"].labels[row][1] == pytest.approx(min(5.0, 1 / chance[row]))
    normalised = [arms["self_normalised"].labels[r][1] for r in explored]
    assert sum(normalised) == pytest.approx(len(rest))
    assert all(arms[w].labels[r][1] == 1.0 for w in arms for r in exploited)


def test_drift_replay_reports_the_new_ring_per_arm(drift_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    report = simulate_operations(
        settings, drift_dir, 2, 5, 0.2, seed=3, warmup_days=WARMUP,
        weightings=("inverse", "self_normalised"), aims=("uniform", "targeted"),
    )  # fmt: skip
    arms = report["arms"]
    # A uniform draw's self-normalised weights are its 1/p: that arm is left out.
    assert set(arms) == {"exploit_only", "with_exploration", "targeted_inverse",
                         "targeted_self_normalised"}  # fmt: skip
    assert report["scenario"]["ring_id"]
    parcels = {arm["new_ring"]["parcels"] for arm in arms.values()}
    assert len(parcels) == 1 and parcels.pop() > 0
    for arm in arms.values():
        ring = arm["new_ring"]
        assert 0 <= ring["seizures"] <= ring["inspected"] <= ring["parcels"]
        assert (ring["days_to_detection"] is None) == (ring["seizures"] == 0)
        if arm["exploration"]:
            assert all(w["explored"] == 7 for w in arm["weekly"])
    assert arms["targeted_self_normalised"]["aim"] == "targeted"
    assert arms["targeted_self_normalised"]["weighting"] == "self_normalised"
    assert arms["with_exploration"]["aim"] == "uniform" and arms["exploit_only"]["aim"] is None


def test_cli_runs_aimed_and_clipped_arms(world_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ops.json"
    args = ["simulate-operations", "--weeks", "1", "--capacity", "3", "--world", str(world_dir),
            "--warmup-days", str(WARMUP), "--exploration", "0.4"]  # fmt: skip
    result = CliRunner().invoke(
        app, [*args, "--aim", "both", "--weighting", "clipped", "--clip", "7", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Operations replay" in result.output
    report = json.loads(out.read_text())
    assert set(report["arms"]) == {"exploit_only", "with_exploration_clipped", "targeted_clipped"}
    assert report["scenario"] is None and "new_ring" not in report["arms"]["targeted_clipped"]
    bad = CliRunner().invoke(app, [*args, "--aim", "luck"])
    assert bad.exit_code == 2 and "aim must be one of" in bad.output
