"""Recorded outcomes come back through ingestion as labels; seizures confirm counterfeiters."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from ringfence.act import sync_outcomes
from ringfence.ingest import ingest_files
from ringfence.settings import Settings
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.tasks import InspectionTaskDraft

FIXTURES = Path(__file__).parents[1] / "ingest" / "fixtures"


def _dataset(settings: Settings, name: str) -> list[dict]:
    parts = Lake(settings).parts(name)
    return [row for part in parts for row in pq.read_table(part).to_pylist()]


def _world(settings: Settings) -> dict[str, str]:
    """The fixture carrier's shipments and parties; returns shipment source key → lake id."""
    with OperationalStore.open(settings) as store:
        store.ensure_organisation("carrier", kind="carrier")
        store.ensure_organisation("customs", kind="customs")
    ingest_files(settings, "parties", [FIXTURES / "parties.csv"], organisation="carrier")
    ingest_files(settings, "shipments", [FIXTURES / "shipments.csv"], organisation="carrier")
    return {row["source_key"]: row["id"] for row in _dataset(settings, "shipments")}


def test_outcomes_become_labels_once_and_seizures_reach_the_watchlist(settings: Settings) -> None:
    ids = _world(settings)
    task = InspectionTaskDraft(
        shipment_id=ids["S1"],
        rank=1,
        label="counterfeit",
        probability=0.9,
        expected_value=0.9,
        selected_by="exploit",
        selection_probability=1.0,
    )
    with OperationalStore.open(settings) as store:
        (task_id,) = store.write_inspection_tasks("customs", "2024-03-04", [task], "test")
        store.record_outcome(
            "customs",
            ids["S1"],
            label="counterfeit",
            positive=True,
            result="seized",
            details={"brand": "Northpeak", "units": 2},
            actor="officer@customs",
            task_id=task_id,
        )
        store.record_outcome(
            "customs",
            ids["S2"],
            label="counterfeit",
            positive=False,
            result="clear",
            details={},
            actor="officer@customs",
        )
        store.record_outcome(
            "customs",
            "no-such-shipment",
            label="counterfeit",
            positive=False,
            result="clear",
            details={},
            actor="officer@customs",
        )

    first = sync_outcomes(settings)
    assert first.new_labels == 2
    assert first.unknown_shipments == ["no-such-shipment"]
    outcomes = {row["shipment_ref"]: row for row in _dataset(settings, "outcomes")}
    assert set(outcomes) == {ids["S1"], ids["S2"]}
    assert outcomes[ids["S1"]]["positive"] is True
    assert outcomes[ids["S1"]]["result"] == "seized"
    assert outcomes[ids["S1"]]["organisation"] == "customs"
    assert outcomes[ids["S1"]]["brand"] == "Northpeak"
    # Dated by the inspection (its task's date), not by when the record was typed in.
    assert str(outcomes[ids["S1"]]["date"]) == "2024-03-04"
    watchlist = _dataset(settings, "watchlist")
    assert [row["name"] for row in watchlist] == ["Shenzhen Bright Trading Co"]
    assert watchlist[0]["organisation"] == "customs"
    assert "seizure of shipment S1" in watchlist[0]["evidence_ref"]
    assert str(watchlist[0]["confirmed_at"]) == "2024-03-04"

    again = sync_outcomes(settings)
    assert again.new_labels == 0
    assert len(_dataset(settings, "outcomes")) == 2
    assert len(_dataset(settings, "watchlist")) == 1
