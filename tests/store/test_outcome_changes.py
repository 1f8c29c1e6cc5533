"""One outcome per task and label, changes with a reason, and undo within seconds (SQLite, or
PostgreSQL when RINGFENCE_TEST_DATABASE=postgres)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from ringfence.errors import ConflictError, ForbiddenError, NotFoundError, UserError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.outcomes import UNDO_SECONDS
from ringfence.store.operational.tasks import InspectionTaskDraft

DAY = "2026-03-02"


@pytest.fixture
def store(settings: Settings) -> Iterator[OperationalStore]:
    with OperationalStore.open(settings) as opened:
        opened.ensure_organisation("customs", kind="customs")
        opened.ensure_organisation("other", kind="customs")
        yield opened


def _task(store: OperationalStore, shipment: str = "a") -> int:
    draft = InspectionTaskDraft(
        shipment_id=shipment,
        rank=1,
        label="counterfeit",
        probability=0.4,
        expected_value=40.0,
        selected_by="exploit",
        selection_probability=1.0,
    )
    (task_id,) = store.write_inspection_tasks("customs", DAY, [draft], "u")
    return task_id


def _record(store: OperationalStore, task_id: int, result: str, actor: str, **kw: Any) -> int:
    return store.record_outcome(
        "customs",
        "a",
        label=kw.get("label", "counterfeit"),
        positive=result != "clear",
        result=result,
        details=kw.get("details", {}),
        actor=actor,
        task_id=task_id,
    )


def test_a_closed_task_refuses_a_second_outcome_naming_who_recorded_the_first(
    store: OperationalStore,
) -> None:
    task_id = _task(store)
    first = _record(store, task_id, "clear", "one@customs")
    with pytest.raises(ConflictError, match=r"clear, recorded by one@customs at 20\d\d-"):
        _record(store, task_id, "seized", "two@customs")
    assert [o.id for o in store.recorded_outcomes("customs")] == [first]
    assert [e.action for e in store.audit_entries()].count("outcome.record") == 1
    # another label is another question about the same parcel: it may be answered
    _record(store, task_id, "clear", "two@customs", label="fraud")
    assert len(store.task_outcomes("customs", [task_id])[task_id]) == 2


def test_change_needs_a_reason_and_audits_the_old_values(store: OperationalStore) -> None:
    task_id = _task(store)
    outcome_id = _record(store, task_id, "clear", "one@customs")
    with pytest.raises(UserError, match="reason"):
        store.change_outcome(
            "customs", outcome_id, positive=True, result="seized", details={}, reason=" ", actor="x"
        )
    changed = store.change_outcome(
        "customs",
        outcome_id,
        positive=True,
        result="seized",
        details={"brand": "NorthPeak", "units": 40},
        reason="second look: the labels are fake",
        actor="two@customs",
    )
    assert (changed.result, changed.positive, changed.changed_by) == ("seized", True, "two@customs")
    again = store.recorded_outcome("customs", outcome_id)
    assert again.change_reason == "second look: the labels are fake"
    assert again.details == {"brand": "NorthPeak", "units": 40}
    entry = [e for e in store.audit_entries() if e.action == "outcome.change"][-1]
    assert entry.detail["before"]["result"] == "clear"
    assert entry.detail["after"]["result"] == "seized"
    assert entry.detail["reason"] == "second look: the labels are fake"
    assert store.verify_audit().ok
    with pytest.raises(NotFoundError):
        store.change_outcome(
            "other", outcome_id, positive=False, result="clear", details={}, reason="why not",
            actor="x",
        )  # fmt: skip


def test_undo_reopens_the_task_for_its_recorder_within_seconds(store: OperationalStore) -> None:
    task_id = _task(store)
    outcome_id = _record(store, task_id, "seized", "one@customs")
    assert store.inspection_task("customs", task_id).status == "done"
    with pytest.raises(ForbiddenError, match="recorded by one@customs"):
        store.undo_outcome("customs", outcome_id, actor="two@customs")
    store.undo_outcome("customs", outcome_id, actor="one@customs")
    task = store.inspection_task("customs", task_id)
    assert (task.status, task.closed_at) == ("open", None)
    assert store.recorded_outcomes("customs") == []
    kept = store.recorded_outcomes("customs", include_withdrawn=True)
    assert [(o.id, o.withdrawn_by) for o in kept] == [(outcome_id, "one@customs")]
    assert "outcome.undo" in [e.action for e in store.audit_entries()]
    with pytest.raises(ConflictError, match="undone by one@customs"):
        store.undo_outcome("customs", outcome_id, actor="one@customs")
    # the task is open again: the right outcome can now be recorded
    _record(store, task_id, "clear", "one@customs")
    assert store.inspection_task("customs", task_id).status == "done"


def test_undo_is_refused_after_the_window_and_after_a_change(store: OperationalStore) -> None:
    task_id = _task(store)
    outcome_id = _record(store, task_id, "seized", "one@customs")
    recorded = store.recorded_outcome("customs", outcome_id).created_at
    late = recorded + timedelta(seconds=UNDO_SECONDS + 1)
    with pytest.raises(ConflictError, match="can no longer be undone"):
        store.undo_outcome("customs", outcome_id, actor="one@customs", now=late)
    store.change_outcome(
        "customs", outcome_id, positive=False, result="clear", details={}, reason="misread",
        actor="one@customs",
    )  # fmt: skip
    with pytest.raises(ConflictError, match="can no longer be undone"):
        store.undo_outcome("customs", outcome_id, actor="one@customs")
    assert store.inspection_task("customs", task_id).status == "done"
