"""Out-of-fold training profiles: no row sees its own label, no row sees a test-window label."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ringfence.score.features import compute_features
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.score.profiles import FOLDS, SCALE
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.world import make_world, write_world

SHIPMENTS, OUTCOMES = make_world(rows=400, days=30)
CUTOFF = dt.date(2024, 1, 21)
PROFILE = ("_rate", "_positives", "_inspections")


def _features(tmp: Settings, outcomes: pa.Table, oof: bool = True) -> dict[str, dict]:
    write_world(tmp, SHIPMENTS, outcomes)
    engine = open_engine(tmp)
    try:
        register_inputs(tmp, engine)
        table = compute_features(engine, known_labels(engine), CUTOFF, oof=oof).table
    finally:
        engine.close()
    return {row["id"]: row for row in table.to_pylist()}


def _flip(outcomes: pa.Table, mask: pa.Array) -> pa.Table:
    flipped = pc.if_else(mask, pc.invert(outcomes.column("positive")), outcomes.column("positive"))
    return outcomes.set_column(outcomes.schema.get_field_index("positive"), "positive", flipped)


def _profile_changed(a: dict, b: dict) -> list[str]:
    return [
        k
        for k, v in a.items()
        if any(p in k for p in PROFILE) and not np.isclose(v, b[k], equal_nan=True)
    ]


def test_a_training_rows_own_label_never_reaches_its_profile(tmp_path_factory):
    """Flip one training row's labels: its own profile stays, other rows' profiles move."""
    base = _features(Settings(data_dir=tmp_path_factory.mktemp("a")), OUTCOMES)
    target = next(r for r in base.values() if r["date"] < CUTOFF and r["id"].endswith("7"))
    mask = pc.equal(OUTCOMES.column("shipment_ref"), target["id"])
    after = _features(Settings(data_dir=tmp_path_factory.mktemp("b")), _flip(OUTCOMES, mask))
    assert not _profile_changed(target, after[target["id"]])
    moved = [sid for sid in base if sid != target["id"] and _profile_changed(base[sid], after[sid])]
    assert moved, "flipping a label changed no other training row's profile"


def test_a_test_window_label_never_reaches_any_row(tmp_path_factory):
    """Flip every label of shipments dated on or after the cut-off: no feature of any row (test
    rows included) changes, with out-of-fold training profiles."""
    base = _features(Settings(data_dir=tmp_path_factory.mktemp("a")), OUTCOMES)
    late = {r["id"] for r in base.values() if r["date"] >= CUTOFF}
    mask = pc.is_in(OUTCOMES.column("shipment_ref"), pa.array(sorted(late)))
    after = _features(Settings(data_dir=tmp_path_factory.mktemp("b")), _flip(OUTCOMES, mask))
    for sid, row in base.items():
        assert not _profile_changed(row, after[sid]), f"{sid} ({row['date']}) changed"
    assert any(base[s]["date"] >= CUTOFF for s in base)


def test_training_profiles_count_the_other_folds_and_test_rows_everything(tmp_path):
    """Importer counts, brute force: a training row counts its importer's training-window rows
    of the other folds (scaled); a test row counts all of them."""
    rows = _features(Settings(data_dir=tmp_path), OUTCOMES)
    ships = sorted(SHIPMENTS.to_pylist(), key=lambda s: s["id"])
    fold = {s["id"]: (i + 1) % FOLDS for i, s in enumerate(ships)}
    training = [s for s in ships if s["date"] < CUTOFF]
    for sid in (ships[5]["id"], ships[-1]["id"]):
        ship = next(s for s in ships if s["id"] == sid)
        same = [t for t in training if t["importer_ref"] == ship["importer_ref"]]
        if ship["date"] < CUTOFF:
            expected = SCALE * sum(fold[t["id"]] != fold[sid] for t in same)
        else:
            expected = len(same)
        assert np.isclose(rows[sid]["importer_inspections"], expected)
    assert ships[5]["date"] < CUTOFF <= ships[-1]["date"]
