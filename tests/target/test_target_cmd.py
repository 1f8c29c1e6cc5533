"""``ringfence target``: scores a day's arrivals, selects under capacity, stores the tasks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.errors import UserError
from ringfence.score.inputs import register_inputs
from ringfence.score.pipeline import Matrix, _selection_weights, train
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.operational import OperationalStore
from ringfence.target.daily import plan_inspections
from ringfence.target.explore.history import ARRIVAL_KEYS, arrival_sizes, labelled_keys
from ringfence.target.explore.pps import inclusion_probabilities
from tests.score.world import make_world, write_world

DAY = dt.date(2024, 4, 20)


@pytest.fixture
def world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    write_world(settings, *make_world(rows=2000, days=120))
    train(settings, dt.date(2024, 4, 10))
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.database_url)
    return settings


def test_target_writes_ranked_tasks_with_reasons(world: Settings, tmp_path: Path) -> None:
    out = tmp_path / "list.json"
    args = ["target", "--date", DAY.isoformat(), "--capacity", "6", "--label", "fraud",
            "--exploration", "0.34", "--seed", "4", "--organisation", "nl",
            "--json", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "6 of" in result.output and "(2 explored)" in result.output
    plan = json.loads(out.read_text())
    with OperationalStore.open(world) as store:
        tasks = store.inspection_tasks("nl", target_date=DAY.isoformat())
    assert [t.rank for t in tasks] == list(range(1, 7))
    assert sorted(t.id for t in tasks) == sorted(plan["task_ids"])
    assert sum(t.selected_by == "explore" for t in tasks) == 2
    arrivals = plan["arrivals"]
    for task in tasks:
        assert task.reasons["fraud"] and task.label == "fraud"
        expected = 1.0 if task.selected_by == "exploit" else 2 / (arrivals - 4)
        assert task.selection_probability == pytest.approx(expected)
    # Scores are the batch path's; exploited tasks are the top of the EV ranking.
    scored = {
        s["id"]: s["scores"]["fraud"]
        for s in score_shipments(world, [t.shipment_id for t in tasks])
    }
    for task in tasks:
        assert task.probability == pytest.approx(scored[task.shipment_id], rel=1e-9)
        assert task.expected_value == pytest.approx(task.probability * task.value_at_stake)
    evs = [t.expected_value for t in tasks]
    assert evs == sorted(evs, reverse=True)
    # Running again replaces the open tasks instead of piling them up.
    assert CliRunner().invoke(app, args).exit_code == 0
    with OperationalStore.open(world) as store:
        assert len(store.inspection_tasks("nl")) == 6
        chances = store.selection_probabilities()
        draws = store.selection_draws()
    assert sorted(chances.values()) == pytest.approx([2 / (arrivals - 4)] * 2 + [1.0] * 4)
    # The two explored tasks name their draw (this date, all ports, the seed) and its population.
    explored = [t for t in store_tasks(world) if t.selected_by == "explore"]
    assert {t.draw for t in explored} == {f"{DAY.isoformat()} all ports seed 4"}
    assert {t.draw_population for t in explored} == {arrivals - 4}
    assert all(t.draw is None and t.draw_population is None
               for t in store_tasks(world) if t.selected_by == "exploit")  # fmt: skip
    assert set(draws) == {t.shipment_id for t in explored}
    # Retraining weighs the two explored shipments' labels by 1/p.
    model, _ = train(world)
    assert model.extra["selection_weighting"]["rows_weighted"] == 2
    # ... or by min(1/p, clip), or not at all (ringfence train --weighting).
    clipped, _ = train(world, prior_weight=10.0, weighting="clipped", clip=1.5)
    assert clipped.extra["selection_weighting"] == {
        "rows_weighted": 2, "weighting": "clipped", "weight": "min(1/p, clip)", "clip": 1.5,
    }  # fmt: skip
    # Self-normalised: a uniform draw whose picks are all labelled gives its 1/p back.
    normalised, _ = train(world, prior_weight=10.0, weighting="self_normalised")
    assert normalised.extra["selection_weighting"] == {
        "rows_weighted": 2, "weighting": "self_normalised", "weight": "1/p rescaled per draw",
    }  # fmt: skip
    unweighted, _ = train(world, prior_weight=10.0, weighting="none")
    assert unweighted.extra["selection_weighting"]["rows_weighted"] == 0
    with pytest.raises(UserError, match="--clip"):
        train(world, weighting="clipped", clip=0.5)
    result = CliRunner().invoke(app, ["train", "--weighting", "hajek"])
    assert result.exit_code == 2 and "--weighting must be one of" in result.output


def store_tasks(settings: Settings) -> list:
    """The organisation nl's tasks on DAY."""
    with OperationalStore.open(settings) as store:
        return store.inspection_tasks("nl", target_date=DAY.isoformat())


def test_selection_weights_follow_the_weighting() -> None:
    ids = pa.table({"id": ["a", "b", "c"]})
    matrix = Matrix(ids, np.zeros((3, 1)), ["f"], np.zeros((3, 0)), np.zeros(3))
    chances = {"a": 0.01, "b": 0.5}
    inverse = _selection_weights(matrix, chances)
    clipped = _selection_weights(matrix, chances, "clipped", 50.0)
    none = _selection_weights(matrix, chances, "none")
    assert inverse is not None and clipped is not None and none is not None
    np.testing.assert_allclose(inverse, [100.0, 2.0, 1.0])
    np.testing.assert_allclose(clipped, [50.0, 2.0, 1.0])
    # Self-normalised per draw: a and b of one draw over 40 shipments sum to 40; a label
    # explored without a recorded draw (stored before) keeps 1/p; exploited labels weigh 1.
    draws = {"a": (0.01, "d1", 40), "b": (0.5, "d1", 40)}
    normalised = _selection_weights(matrix, chances, "self_normalised", draws=draws)
    assert normalised is not None
    np.testing.assert_allclose(normalised, [40 * 100 / 102, 40 * 2 / 102, 1.0])
    older = _selection_weights(matrix, chances, "self_normalised", draws={"a": draws["a"]})
    assert older is not None
    np.testing.assert_allclose(older, [40.0, 2.0, 1.0])
    np.testing.assert_allclose(none, [1.0, 1.0, 1.0])


def test_probability_ranking_and_per_port(world: Settings) -> None:
    plan = plan_inspections(world, DAY, 8, label="ipr", rank_by="probability", per_port=True,
                            exploration=0.0, seed=1)  # fmt: skip
    assert plan.rank_by == "probability"
    assert {p: c["selected"] for p, c in plan.ports.items()} == {
        p: round(8 * c["arrivals"] / plan.arrivals) for p, c in plan.ports.items()
    }
    probabilities = [t.probability for t in plan.tasks]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(t.selected_by == "exploit" for t in plan.tasks)


def test_balanced_ranking_takes_its_gamma(world: Settings, tmp_path: Path) -> None:
    out = tmp_path / "balanced.json"
    day = ["target", "--date", DAY.isoformat(), "--capacity", "8", "--label", "fraud"]
    args = [
        *day,
        "--exploration",
        "0",
        "--rank-by",
        "balanced",
        "--gamma",
        "0.5",
        "--json",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "ranked by balanced (gamma 0.5)" in result.output
    plan = json.loads(out.read_text())
    assert plan["rank_by"] == "balanced" and plan["gamma"] == 0.5
    keys = [t["expected_value"] for t in plan["tasks"]]
    assert keys == sorted(keys, reverse=True)
    for task in plan["tasks"]:
        key = np.log(task["probability"]) + 0.5 * np.log1p(task["value_at_stake"])
        assert task["expected_value"] == pytest.approx(key)

    # γ = 0 ranks by probability; a ranking other than balanced records no γ.
    def order(rank_by: str, **gamma: float) -> list[str]:
        plan = plan_inspections(world, DAY, 8, label="fraud", rank_by=rank_by, exploration=0.0,
                                **gamma)  # fmt: skip
        return [t.shipment_id for t in plan.tasks]

    assert order("balanced", gamma=0.0) == order("probability")
    assert order("balanced", gamma=0.5) != order("probability")
    assert "gamma" not in plan_inspections(world, DAY, 2, label="fraud").as_dict()
    help_text = CliRunner().invoke(app, ["target", "--help"]).output
    assert all(word in help_text for word in ("ev", "probability", "balanced", "--gamma"))


def test_targeted_exploration_records_the_pps_chances(world: Settings) -> None:
    plan = plan_inspections(world, DAY, 10, label="ipr", rank_by="probability", exploration=0.5,
                            seed=2, explore_by="targeted")  # fmt: skip
    explored = [t for t in plan.tasks if t.selected_by == "explore"]
    assert len(explored) == 5
    engine = open_engine(world)
    try:
        register_inputs(world, engine)
        labelled = labelled_keys(engine, DAY)
        arrivals = engine.query(
            f"SELECT id, {ARRIVAL_KEYS} FROM shipments WHERE coalesce(arrival_date, date) = "
            f"DATE '{DAY.isoformat()}' ORDER BY id"
        )
    finally:
        engine.close()
    assert labelled.num_rows > 0
    ids = arrivals.column("id").to_pylist()
    uniform = 5 / (len(ids) - 5)
    # The same arrivals ranked by the same model: recompute the aimed draw's chances.
    scores = plan_inspections(world, DAY, len(ids), label="ipr", rank_by="probability",
                              exploration=0.0)  # fmt: skip
    probability = {t.shipment_id: t.probability for t in scores.tasks}
    p = np.array([probability[i] for i in ids])
    sizes = arrival_sizes(arrivals, labelled, p)
    exploited = {t.shipment_id for t in plan.tasks if t.selected_by == "exploit"}
    rest = [i for i, sid in enumerate(ids) if sid not in exploited]
    chance = dict(zip([ids[i] for i in rest], inclusion_probabilities(sizes[rest], 5), strict=True))
    for task in explored:
        assert task.selection_probability == pytest.approx(chance[task.shipment_id])
    assert any(t.selection_probability != pytest.approx(uniform) for t in explored)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-13-01", "--capacity", "5"], "not a date"),
        (["--date", "2030-01-01", "--capacity", "5", "--label", "fraud"], "no shipments arrive"),
        (["--date", "2024-04-20", "--capacity", "0"], "capacity"),
        (["--date", "2024-04-20", "--capacity", "5", "--exploration", "2"], "exploration"),
        (["--date", "2024-04-20", "--capacity", "5", "--rank-by", "luck"], "rank-by"),
        (["--date", "2024-04-20", "--capacity", "5", "--label", "gold"], "no label 'gold'"),
        (["--date", "2024-04-20", "--capacity", "5", "--explore-by", "luck"], "explore-by"),
        (
            ["--date", "2024-04-20", "--capacity", "5", "--rank-by", "balanced", "--gamma", "-1"],
            "--gamma",
        ),
    ],
)
def test_mistakes_are_one_line(world: Settings, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["target", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
