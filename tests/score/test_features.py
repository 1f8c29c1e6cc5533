"""Features are strictly out of time: labels dated on or after a shipment's date never change it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ringfence.score.features import compute_features
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.world import make_world, write_world

SHIPMENTS, OUTCOMES = make_world(rows=400, days=30)


def _features(tmp: Settings, outcomes: pa.Table) -> dict[str, dict[str, object]]:
    write_world(tmp, SHIPMENTS, outcomes)
    engine = open_engine(tmp)
    try:
        register_inputs(tmp, engine)
        table = compute_features(engine, known_labels(engine)).table
    finally:
        engine.close()
    return {row["id"]: row for row in table.to_pylist()}


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    for key, value in a.items():
        other = b[key]
        if isinstance(value, float) and isinstance(other, float):
            if not (np.isclose(value, other, equal_nan=True)):
                return False
        elif value != other:
            return False
    return True


@hsettings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(day=st.integers(min_value=0, max_value=29), lag=st.integers(min_value=0, max_value=5))
def test_labels_dated_on_or_after_never_change_features(tmp_path_factory, day: int, lag: int):
    """Flip every label whose outcome is dated ≥ ``day`` (and move it ``lag`` days later): the
    features of shipments dated ≤ ``day`` must not change."""
    cut = dt.date(2024, 1, 1) + dt.timedelta(days=day)
    base = _features(Settings(data_dir=tmp_path_factory.mktemp("a")), OUTCOMES)
    late = pc.greater_equal(OUTCOMES.column("date"), pa.scalar(cut, pa.date32()))
    flipped = pc.if_else(late, pc.invert(OUTCOMES.column("positive")), OUTCOMES.column("positive"))
    moved = pc.if_else(
        late,
        pc.add(OUTCOMES.column("date"), pa.scalar(dt.timedelta(days=lag), pa.duration("s"))).cast(
            pa.date32()
        ),
        OUTCOMES.column("date"),
    )
    changed = OUTCOMES.set_column(OUTCOMES.schema.get_field_index("positive"), "positive", flipped)
    changed = changed.set_column(changed.schema.get_field_index("date"), "date", moved)
    after = _features(Settings(data_dir=tmp_path_factory.mktemp("b")), changed)
    checked = 0
    for sid, row in base.items():
        if row["date"] <= cut:
            assert _same(row, after[sid]), f"features of {sid} ({row['date']}) changed"
            checked += 1
    assert checked > 0


def test_same_day_labels_are_invisible(tmp_path):
    """A shipment's own label and those of same-day shipments are not in its history."""
    rows = _features(Settings(data_dir=tmp_path), OUTCOMES)
    first_day = [r for r in rows.values() if r["date"] == dt.date(2024, 1, 1)]
    assert first_day
    assert all(r["importer_inspections"] == 0 for r in first_day)


def test_history_counts_past_positives(tmp_path):
    """A later shipment's importer history counts the importer's earlier positives exactly."""
    rows = _features(Settings(data_dir=tmp_path), OUTCOMES)
    ships = SHIPMENTS.to_pylist()
    fraud = {
        o["shipment_ref"]: o["positive"] for o in OUTCOMES.to_pylist() if o["label"] == "fraud"
    }
    target = ships[-1]
    past = [
        s
        for s in ships
        if s["importer_ref"] == target["importer_ref"] and s["date"] < target["date"]
    ]
    feats = rows[target["id"]]
    assert feats["importer_inspections"] == len(past)
    assert feats["importer_positives_fraud"] == sum(fraud[s["id"]] for s in past)
    assert 0 < feats["importer_rate_fraud"] < 1


@pytest.mark.parametrize("cutoff_day", [10])
def test_label_cutoff_freezes_history(tmp_path, cutoff_day):
    """With a cutoff, outcomes dated on or after it are never read."""
    settings = Settings(data_dir=tmp_path)
    write_world(settings, SHIPMENTS, OUTCOMES)
    engine = open_engine(settings)
    try:
        register_inputs(settings, engine)
        cutoff = dt.date(2024, 1, 1) + dt.timedelta(days=cutoff_day)
        table = compute_features(engine, known_labels(engine), cutoff).table
    finally:
        engine.close()
    inspected = max(r["importer_inspections"] for r in table.to_pylist())
    before = sum(1 for s in SHIPMENTS.column("date").to_pylist() if s < cutoff)
    assert inspected <= before
