"""Training stores a versioned artefact; serving scores and explains in words."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.score.model import load_model, models_root
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from tests.score.world import make_world, write_world


def test_train_store_score_explain(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path)
    shipments, outcomes = make_world()
    write_world(settings, shipments, outcomes)
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["train", "--until", "2024-03-31"])
    assert result.exit_code == 0, result.output
    folder = next(models_root(settings).iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["training_window"] == {"from": "2024-01-01", "until": "2024-03-31"}
    assert set(manifest["labels"]) == {"fraud", "ipr"}
    assert "auc" in manifest["labels"]["fraud"]["validation"]
    model = load_model(settings)
    assert model.version == folder.name

    scored = score_shipments(settings, since=dt.date(2024, 4, 25))
    assert scored
    for item in scored:
        assert set(item["scores"]) == {"fraud", "ipr"}
        assert all(0 <= s <= 1 for s in item["scores"].values())
        assert all(item["reasons"][label] for label in ("fraud", "ipr"))
    top = max(scored, key=lambda s: s["scores"]["fraud"])
    assert any("past inspections" in r for r in top["reasons"]["fraud"]), top["reasons"]


def test_labels_learnt_after_the_cutoff_are_not_trained_on(tmp_path):
    """A shipment dated before --until whose outcome is dated after it is left out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ringfence.score.pipeline import fit_models, load_matrix
    from ringfence.store.engine import open_engine

    shipments, outcomes = make_world()
    late = pc.greater_equal(outcomes.column("date"), pa.scalar(dt.date(2024, 3, 15)))
    moved = pc.if_else(late, pa.scalar(dt.date(2024, 5, 1)), outcomes.column("date"))
    outcomes = outcomes.set_column(outcomes.schema.get_field_index("date"), "date", moved)
    settings = Settings(data_dir=tmp_path)
    write_world(settings, shipments, outcomes)
    engine = open_engine(settings)
    try:
        matrix, labels, _ = load_matrix(settings, engine, dt.date(2024, 4, 1))
    finally:
        engine.close()
    model = fit_models(matrix, labels, dt.date(2024, 3, 31))
    early = sum(1 for d in shipments.column("date").to_pylist() if d < dt.date(2024, 3, 15))
    assert model.models["fraud"].metrics["training_rows"] == early


def test_calibration_never_reverses_the_ranking() -> None:
    from ringfence.score.model import _platt

    raw = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    slope, _ = _platt(raw, np.array([0, 0, 0, 1, 1, 1]))
    assert slope > 0
    # Heavy weights on the highest-scored negatives would fit a negative slope.
    y = np.array([1, 1, 0, 0, 0, 0])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 500.0, 500.0])
    assert _platt(raw, y, weight) == (1.0, 0.0)
