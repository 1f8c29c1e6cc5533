"""``ringfence target``: scores a day's arrivals, selects under capacity, stores the tasks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.score.pipeline import train
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.target.daily import plan_inspections
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
    assert sorted(chances.values()) == pytest.approx([2 / (arrivals - 4)] * 2 + [1.0] * 4)
    # Retraining weighs the two explored shipments' labels by 1/p.
    model, _ = train(world)
    assert model.extra["selection_weighting"]["rows_weighted"] == 2


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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-13-01", "--capacity", "5"], "not a date"),
        (["--date", "2030-01-01", "--capacity", "5", "--label", "fraud"], "no shipments arrive"),
        (["--date", "2024-04-20", "--capacity", "0"], "capacity"),
        (["--date", "2024-04-20", "--capacity", "5", "--exploration", "2"], "exploration"),
        (["--date", "2024-04-20", "--capacity", "5", "--rank-by", "luck"], "rank-by"),
        (["--date", "2024-04-20", "--capacity", "5", "--label", "gold"], "no label 'gold'"),
    ],
)
def test_mistakes_are_one_line(world: Settings, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["target", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
