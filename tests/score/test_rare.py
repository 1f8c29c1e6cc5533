"""Rare-label strategies (``score/rare.py``): the focal loss's closed-form derivatives and the
two-stage model (critical fraud among frauds, times fraud)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ringfence.score import rare
from ringfence.score.labelled import labelled_matrix
from ringfence.score.model import load_model, save_model
from ringfence.score.pipeline import EPOCH, _column, fit_models, label_rows
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.world import make_world, write_world

UNTIL = dt.date(2024, 3, 10)


def _focal_loss(raw: np.ndarray, y: np.ndarray, gamma: float) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-raw))
    q = np.where(y > 0, p, 1 - p)
    return -((1 - q) ** gamma) * np.log(q)


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.0, 3.5])
def test_focal_derivatives_match_finite_differences(gamma: float) -> None:
    rng = np.random.default_rng(1)
    raw, y = rng.normal(0, 3, 400), (rng.random(400) < 0.3).astype(float)
    grad, hess = rare.focal_grad_hess(raw, y, gamma)
    step = 1e-5
    up, down = _focal_loss(raw + step, y, gamma), _focal_loss(raw - step, y, gamma)
    np.testing.assert_allclose(grad, (up - down) / (2 * step), rtol=1e-4, atol=1e-7)
    # The Hessian against central differences of the loss's own (checked) gradient.
    g_up, g_down = (rare.focal_grad_hess(raw + d, y, gamma)[0] for d in (step, -step))
    np.testing.assert_allclose(hess, (g_up - g_down) / (2 * step), rtol=1e-4, atol=1e-7)
    if gamma == 0.0:  # log loss
        p = 1.0 / (1.0 + np.exp(-raw))
        np.testing.assert_allclose(grad, p - y, atol=1e-12)
        np.testing.assert_allclose(hess, p * (1 - p), atol=1e-12)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("rare"))
    write_world(settings, *make_world(rows=2000, days=90))
    return settings


def test_two_stage_model_is_the_nested_label_among_the_nesting_positives(
    world: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rare, "STRATEGY", "two_stage")
    monkeypatch.setattr(rare, "RARE_SHARE", 0.1)  # the world's ipr (~3 %) is rare, fraud not
    engine = open_engine(world)
    try:
        matrix, labels = labelled_matrix(world, engine, UNTIL + dt.timedelta(days=1), None, True)
    finally:
        engine.close()
    model = fit_models(matrix, labels, UNTIL)
    fraud, ipr = model.models["fraud"], model.models["ipr"]
    assert fraud.given is None and ipr.given is fraud
    # The second stage learnt from the window's fraud-positive rows only.
    rows, _ = label_rows(matrix, "ipr", UNTIL, matrix.days() <= (UNTIL - EPOCH).days)
    frauds = rows & (np.nan_to_num(_column(matrix, "fraud")) > 0)
    assert ipr.metrics["training_rows"] == frauds.sum() < rows.sum()
    # Its probability is P(fraud) · P(ipr | fraud): below fraud's, and their product.
    x = matrix.x
    a, b = ipr.platt
    stage = 1.0 / (1.0 + np.exp(-(a * ipr.raw(x) + b)))
    np.testing.assert_allclose(ipr.probability(x), stage * fraud.probability(x), rtol=1e-12)
    assert (ipr.probability(x) <= fraud.probability(x)).all()
    # Saved and loaded, the second stage keeps its first.
    save_model(world, model)
    loaded = load_model(world)
    assert loaded.models["ipr"].given is loaded.models["fraud"]
    np.testing.assert_allclose(loaded.models["ipr"].probability(x), ipr.probability(x))
    # Under another strategy the label is fitted alone.
    monkeypatch.setattr(rare, "STRATEGY", "hard")
    assert fit_models(matrix, labels, UNTIL).models["ipr"].given is None
