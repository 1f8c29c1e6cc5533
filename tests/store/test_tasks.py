"""Inspection tasks and recorded outcomes in the operational store (SQLite, or PostgreSQL when
RINGFENCE_TEST_DATABASE=postgres)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from ringfence.errors import ConflictError, NotFoundError, UserError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tables import InspectionTask
from ringfence.store.operational.tasks import InspectionTaskDraft

DAY = "2026-03-02"


@pytest.fixture
def store(settings: Settings) -> Iterator[OperationalStore]:
    with OperationalStore.open(settings) as opened:
        opened.ensure_organisation("customs", kind="customs")
        opened.ensure_organisation("other", kind="customs")
        yield opened


def _draft(
    shipment: str, rank: int, *, explore: bool = False, port: str = "NLRTM", draw: str = "d"
):
    return InspectionTaskDraft(
        shipment_id=shipment,
        rank=rank,
        label="fraud",
        probability=0.5 / rank,
        expected_value=100.0 / rank,
        selected_by="explore" if explore else "exploit",
        selection_probability=0.25 if explore else 1.0,
        reasons={"fraud": [f"reason for {shipment}"]},
        port=port,
        value_at_stake=200.0,
        model_version="v1",
        draw=draw if explore else None,
        draw_population=40 if explore else None,
    )


def test_written_tasks_read_back_in_rank_order(store: OperationalStore) -> None:
    drafts = [_draft("s2", 2), _draft("s1", 1), _draft("s3", 3, explore=True, port="BEANR")]
    ids = store.write_inspection_tasks("customs", DAY, drafts, "officer@x")
    assert len(ids) == 3
    tasks = store.inspection_tasks("customs", target_date=DAY)
    assert [task.shipment_id for task in tasks] == ["s1", "s2", "s3"]
    explore = tasks[2]
    assert (explore.selected_by, explore.selection_probability) == ("explore", 0.25)
    assert explore.reasons == {"fraud": ["reason for s3"]}
    assert (explore.status, explore.closed_at, explore.created_by) == ("open", None, "officer@x")
    assert [task.shipment_id for task in store.inspection_tasks("customs", port="BEANR")] == ["s3"]
    assert len(store.inspection_tasks("customs", limit=2)) == 2
    assert store.inspection_tasks("other") == []
    assert store.inspection_task("customs", ids[0]).shipment_id == "s2"


def test_rewrite_replaces_open_tasks_and_keeps_done_ones(store: OperationalStore) -> None:
    first = store.write_inspection_tasks("customs", DAY, [_draft("a", 1), _draft("b", 2)], "u")
    store.record_outcome(
        "customs",
        "a",
        label="fraud",
        positive=True,
        result="seized",
        details={},
        actor="u",
        task_id=first[0],
    )
    second = store.write_inspection_tasks("customs", DAY, [_draft("a", 1), _draft("c", 2)], "u")
    assert len(second) == 1  # "a" is done and kept, not queued again
    tasks = {task.shipment_id: task for task in store.inspection_tasks("customs")}
    assert set(tasks) == {"a", "c"}  # the open "b" was replaced
    assert tasks["a"].status == "done" and tasks["a"].id == first[0]
    actions = [entry.action for entry in store.audit_entries()]
    assert actions.count("inspection_tasks.write") == 2
    write = next(e for e in store.audit_entries() if e.action == "inspection_tasks.write")
    assert write.detail["replaced_open"] == 1 and write.detail["skipped_closed"] == ["a"]


def test_dates_are_listed_newest_first(store: OperationalStore) -> None:
    store.write_inspection_tasks("customs", "2026-03-01", [_draft("old", 1)], "u")
    store.write_inspection_tasks("customs", "2026-03-03", [_draft("new", 1)], "u")
    assert [task.shipment_id for task in store.inspection_tasks("customs")] == ["new", "old"]


def test_bad_drafts_and_dates_are_user_errors(store: OperationalStore) -> None:
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        store.write_inspection_tasks("customs", "2026-3-2", [_draft("a", 1)], "u")
    with pytest.raises(UserError, match="appears twice"):
        store.write_inspection_tasks("customs", DAY, [_draft("a", 1), _draft("a", 2)], "u")
    bad = InspectionTaskDraft("x", 1, "fraud", 0.2, 0.2, "explore", 0.0)
    with pytest.raises(UserError, match="selection_probability"):
        store.write_inspection_tasks("customs", DAY, [bad], "u")
    with pytest.raises(UserError, match="selected_by"):
        store.write_inspection_tasks(
            "customs", DAY, [InspectionTaskDraft("x", 1, "fraud", 0.2, 0.2, "guess", 1.0)], "u"
        )
    with pytest.raises(NotFoundError):
        store.write_inspection_tasks("nobody", DAY, [_draft("a", 1)], "u")
    with pytest.raises(UserError, match="status"):
        store.inspection_tasks("customs", status="lost")
    assert store.inspection_tasks("customs") == []


def test_another_organisations_task_is_not_found(store: OperationalStore) -> None:
    (task_id,) = store.write_inspection_tasks("customs", DAY, [_draft("a", 1)], "u")
    with pytest.raises(NotFoundError):
        store.inspection_task("other", task_id)
    with pytest.raises(NotFoundError):
        store.inspection_task("customs", task_id + 1000)
    with pytest.raises(NotFoundError):
        store.record_outcome(
            "other",
            "a",
            label="fraud",
            positive=True,
            result="seized",
            details={},
            actor="u",
            task_id=task_id,
        )
    assert store.recorded_outcomes() == []  # the failed call left nothing behind
    assert store.inspection_task("customs", task_id).status == "open"


def test_record_outcome_closes_the_task_and_is_audited(store: OperationalStore) -> None:
    (task_id,) = store.write_inspection_tasks("customs", DAY, [_draft("a", 1)], "u")
    outcome_id = store.record_outcome(
        "customs",
        "a",
        label="fraud",
        positive=True,
        result="seized",
        details={"items": 40},
        actor="officer",
        task_id=task_id,
    )
    store.record_outcome(
        "customs",
        "a",
        label="ipr",
        positive=False,
        result="clear",
        details={},
        actor="officer",
        task_id=task_id,
    )
    task = store.inspection_task("customs", task_id)
    assert task.status == "done" and task.closed_at is not None
    outcomes = store.recorded_outcomes("customs", shipment_id="a")
    assert [o.label for o in outcomes] == ["ipr", "fraud"]  # newest first
    fraud = outcomes[1]
    assert (fraud.id, fraud.positive, fraud.details, fraud.task_id) == (
        outcome_id,
        True,
        {"items": 40},
        task_id,
    )
    assert fraud.recorded_by == "officer"
    assert len(store.recorded_outcomes(limit=1)) == 1
    assert store.recorded_outcomes("other") == []
    entry = next(e for e in store.audit_entries() if e.action == "outcome.record")
    assert entry.detail["task_id"] == task_id and entry.organisation == "customs"
    assert store.verify_audit().ok


def test_outcome_without_task_and_mismatched_task(store: OperationalStore) -> None:
    (task_id,) = store.write_inspection_tasks("customs", DAY, [_draft("a", 1)], "u")
    store.record_outcome(
        "customs", "walk-in", label="fraud", positive=False, result="clear", details={}, actor="u"
    )
    with pytest.raises(UserError, match="is for shipment 'a'"):
        store.record_outcome(
            "customs",
            "b",
            label="fraud",
            positive=True,
            result="seized",
            details={},
            actor="u",
            task_id=task_id,
        )
    assert [o.shipment_id for o in store.recorded_outcomes()] == ["walk-in"]
    assert store.inspection_task("customs", task_id).status == "open"


def test_cancelled_task_takes_no_outcome(store: OperationalStore) -> None:
    (task_id,) = store.write_inspection_tasks("customs", DAY, [_draft("a", 1)], "u")

    with store.engine.begin() as connection:
        connection.execute(
            update(InspectionTask).where(InspectionTask.id == task_id).values(status="cancelled")
        )
    with pytest.raises(ConflictError, match="cancelled"):
        store.record_outcome(
            "customs",
            "a",
            label="fraud",
            positive=True,
            result="seized",
            details={},
            actor="u",
            task_id=task_id,
        )


def test_selection_probabilities_skip_cancelled_and_keep_the_largest(
    store: OperationalStore,
) -> None:
    store.write_inspection_tasks(
        "customs", DAY, [_draft("a", 1, explore=True), _draft("b", 2)], "u"
    )
    store.write_inspection_tasks("other", DAY, [_draft("a", 1)], "u")
    (cancel,) = store.write_inspection_tasks("customs", "2026-03-03", [_draft("c", 1)], "u")
    with store.engine.begin() as connection:
        connection.execute(
            update(InspectionTask).where(InspectionTask.id == cancel).values(status="cancelled")
        )
    assert store.selection_probabilities() == {"a": 1.0, "b": 1.0}
    store.write_inspection_tasks("customs", "2026-03-04", [_draft("d", 1, explore=True)], "u")
    assert store.selection_probabilities()["d"] == 0.25


def test_selection_draws_name_each_explored_shipments_draw(store: OperationalStore) -> None:
    """Exploration picks keep their draw and its population; exploited and cancelled tasks
    and tasks stored without a draw are not listed; a bad population is refused."""
    store.write_inspection_tasks(
        "customs", DAY, [_draft("a", 1, explore=True, draw="d1"), _draft("b", 2)], "u"
    )
    older = InspectionTaskDraft("c", 1, "fraud", 0.2, 0.2, "explore", 0.1)  # no draw recorded
    store.write_inspection_tasks("customs", "2026-03-04", [older], "u")
    assert store.selection_draws() == {"a": (0.25, "d1", 40)}
    (task,) = [t for t in store.inspection_tasks("customs") if t.shipment_id == "a"]
    assert (task.draw, task.draw_population) == ("d1", 40)
    with pytest.raises(UserError, match="draw_population"):
        store.write_inspection_tasks(
            "customs",
            DAY,
            [InspectionTaskDraft("x", 1, "fraud", 0.2, 0.2, "explore", 0.5, draw_population=0)],
            "u",
        )
