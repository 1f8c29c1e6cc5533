"""A model records the feature switches it was trained with; a model refused for its features
says which switch differs (``features.feature_switches`` / ``switches_note``)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.errors import UserError
from ringfence.score import features
from ringfence.score.batch import score_to_lake
from ringfence.score.features import switches_note
from ringfence.score.model import load_model, models_root
from ringfence.settings import Settings
from tests.score.world import make_world, write_world

SHIPMENTS, OUTCOMES = make_world(rows=600, days=50, seed=8)


def test_the_note_names_only_the_switches_that_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "TOP_DECILES", False)
    monkeypatch.setattr(features, "SHIPMENT_COUNTS", False)
    assert switches_note(None) == ""
    assert switches_note({"shipment_counts": False, "top_deciles": False}) == ""
    note = switches_note({"shipment_counts": False, "top_deciles": True})
    assert note == "; it was trained with top-decile flags on (here off)"


def test_the_manifest_records_the_switches_and_a_mismatch_is_explained(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path)
    write_world(settings, SHIPMENTS, OUTCOMES)
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(features, "TOP_DECILES", False)
    monkeypatch.setattr(features, "SHIPMENT_COUNTS", False)
    result = CliRunner().invoke(app, ["train", "--until", "2024-02-05"])
    assert result.exit_code == 0, result.output
    (manifest,) = models_root(settings).glob("*/manifest.json")
    recorded = json.loads(manifest.read_text(encoding="utf-8"))["feature_switches"]
    assert recorded == {"shipment_counts": False, "top_deciles": False}
    assert load_model(settings).extra["feature_switches"] == recorded
    monkeypatch.setattr(features, "TOP_DECILES", True)
    with pytest.raises(UserError, match=r"top-decile flags off \(here on\); retrain"):
        score_to_lake(settings)
