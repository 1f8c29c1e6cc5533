"""The profile prior: chosen on the training window's later slice, stored, used when scoring."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pytest

from ringfence.score import history, pipeline, prior
from ringfence.score import model as model_module
from ringfence.score.canonical import SIGNIFICANT_BITS
from ringfence.score.labelled import labelled_matrix
from ringfence.score.model import load_model, save_model
from ringfence.score.online import OnlineScorer
from ringfence.score.pipeline import fit_models, load_matrix, train
from ringfence.score.serve import score_shipments
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.target.backtest import backtest
from tests.score.world import make_world, write_world

UNTIL = dt.date(2024, 3, 10)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("prior"))
    write_world(settings, *make_world(rows=2000, days=90))
    return settings


def _matrix(settings: Settings, weight: float | None, oof: bool = False):
    engine = open_engine(settings)
    try:
        cutoff = UNTIL + dt.timedelta(days=1) if oof else None
        return load_matrix(settings, engine, cutoff, oof=oof, prior_weight=weight)
    finally:
        engine.close()


def _labelled(settings: Settings, weight: float):
    """The training rows (labelled, out of fold) as train and backtest build them."""
    engine = open_engine(settings)
    try:
        return labelled_matrix(settings, engine, UNTIL + dt.timedelta(days=1), None, True, weight)
    finally:
        engine.close()


def _chosen(world: Settings):
    """``prior.choose_prior_weight`` on the training window up to ``UNTIL``."""
    engine = open_engine(world)
    try:
        return prior.choose_prior_weight(world, engine, UNTIL + dt.timedelta(days=1), UNTIL)
    finally:
        engine.close()


def test_the_choice_is_the_grid_weight_with_the_lowest_validation_loss(world: Settings) -> None:
    matrix, labels, losses = _chosen(world)
    assert labels and sorted(losses) == sorted(prior.GRID)
    assert len(set(losses.values())) > 1, "the weights must give different losses here"
    assert losses[matrix.prior_weight] == min(losses.values())
    # The returned matrix is the labelled rows' built with that weight, and each loss is a
    # recomputation on the rows built with its weight.
    for weight in prior.GRID:
        again, _ = _labelled(world, weight)
        assert again.prior_weight == weight
        if weight == matrix.prior_weight:
            np.testing.assert_array_equal(again.x, matrix.x)
        assert prior.matrix_loss(again, labels, UNTIL) == pytest.approx(losses[weight], rel=1e-9)


def test_the_weight_smooths_the_rates_as_the_formula_says(world: Settings) -> None:
    """rate = (positives + w · prior) / (inspections + w): two weights give the same prior."""
    (a, _, _), (b, _, _) = _matrix(world, 3.0), _matrix(world, 30.0)
    col = {n: i for i, n in enumerate(a.names)}
    hp, hn = a.x[:, col["importer_positives"]], a.x[:, col["importer_inspections"]]
    ra, rb = a.x[:, col["importer_rate"]], b.x[:, col["importer_rate"]]
    prior_a, prior_b = (ra * (hn + 3.0) - hp) / 3.0, (rb * (hn + 30.0) - hp) / 30.0
    # Model inputs keep 33 significant bits (score/canonical.py); going back to the prior
    # multiplies a rate's rounding by (inspections + w) / w.
    step = 2.0**-SIGNIFICANT_BITS
    bound = step * (np.abs(ra) * (hn + 3.0) / 3.0 + np.abs(rb) * (hn + 30.0) / 30.0) + 1e-12
    assert np.all(np.abs(prior_a - prior_b) <= bound)
    assert not np.allclose(ra, rb)


def test_a_model_keeps_its_weight_and_every_scoring_path_uses_it(world: Settings) -> None:
    matrix, labels, _ = _matrix(world, 30.0, oof=True)
    model = fit_models(matrix, labels, UNTIL)
    assert model.prior_weight == 30.0
    save_model(world, model)
    assert load_model(world).prior_weight == 30.0
    served = _matrix(world, 30.0)[0]
    default = _matrix(world, None)[0]
    assert default.prior_weight != 30.0 and not np.allclose(default.x, served.x, equal_nan=True)
    ids = served.table.column("id").to_pylist()[-50:]
    batch = {r["id"]: r["scores"] for r in score_shipments(world, ids, explain=False)}
    scorer = OnlineScorer.load(world)
    online = {r["id"]: r["scores"] for r in scorer.score_ids(ids, explain=False)}
    expected = {
        label: m.probability(served.x[-50:]) for label, m in load_model(world).models.items()
    }
    for i, sid in enumerate(ids):
        for label, p in expected.items():
            assert batch[sid][label] == pytest.approx(p[i], rel=1e-9)
            assert online[sid][label] == pytest.approx(p[i], rel=1e-9)


def test_a_changed_default_is_what_the_matrix_and_model_record(
    world: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``bench/targeting.py --prior-weight`` sets the default at run time: the matrix built
    with it, and the model fitted on that matrix, must record it, not the import-time value."""
    monkeypatch.setattr(history, "PRIOR_WEIGHT", 30.0)
    matrix, labels, _ = _matrix(world, None, oof=True)
    assert matrix.prior_weight == 30.0
    assert fit_models(matrix, labels, UNTIL).prior_weight == 30.0


def test_train_and_backtest_choose_the_weight_and_the_model_carries_it(world: Settings) -> None:
    model, folder = train(world, UNTIL)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["profile_prior"]
    losses = {float(w): v for w, v in record["validation_log_loss_ratio"].items()}
    assert record["learnt"] and sorted(losses) == sorted(prior.GRID)
    assert model.prior_weight == record["chosen"] == manifest["profile_prior_weight"]
    assert record["chosen"] == min(losses, key=lambda w: losses[w])
    assert load_model(world, model.version).prior_weight == model.prior_weight
    # The boosters were fitted on the features smoothed with that weight.
    matrix, labels = _labelled(world, model.prior_weight)
    refit = fit_models(matrix, labels, UNTIL)
    for label, m in model.models.items():
        expected = refit.models[label].probability(matrix.x)
        np.testing.assert_allclose(m.probability(matrix.x), expected)
    # A backtest with the same training window makes the same choice and reports it.
    report = backtest(world, UNTIL, UNTIL + dt.timedelta(days=1), budgets=[5.0]).report
    assert report["profile_prior"]["chosen"] == model.prior_weight
    assert (
        report["profile_prior"]["validation_log_loss_ratio"] == record["validation_log_loss_ratio"]
    )


def test_a_weight_given_is_used_without_a_choice(world: Settings) -> None:
    model, _ = train(world, UNTIL, prior_weight=30.0)
    assert model.prior_weight == 30.0 and model.extra["profile_prior"] == {
        "chosen": 30.0,
        "learnt": False,
    }
    assert load_model(world, model.version).prior_weight == 30.0
    report = backtest(world, UNTIL, UNTIL + dt.timedelta(days=1), prior_weight=3.0).report
    assert report["profile_prior"] == {"chosen": 3.0, "learnt": False}


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every first-stage fit, the grid's (``prior``) and training's (``model``)."""
    calls: list[str] = []
    original = model_module.first_stage

    def counted(label: str, *args: Any, **kwargs: Any) -> model_module.FirstStage:
        calls.append(label)
        return original(label, *args, **kwargs)

    monkeypatch.setattr(model_module, "first_stage", counted)
    monkeypatch.setattr(prior, "first_stage", counted)
    return calls


def test_training_takes_the_grids_first_stage_instead_of_fitting_it_again(
    world: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting(monkeypatch)
    model, _ = train(world, UNTIL)
    labels = sorted(model.models)
    # One fit per weight and label; none more for training.
    assert sorted(calls) == sorted(labels * len(prior.GRID))
    # The model is the one a fresh fit (first stage included) of the chosen matrix gives.
    matrix, _ = _labelled(world, model.prior_weight)
    assert not matrix.first_stages
    calls.clear()
    fresh = fit_models(matrix, labels, UNTIL)
    assert sorted(calls) == labels
    for label, m in model.models.items():
        assert m.metrics == fresh.models[label].metrics
        assert m.platt == fresh.models[label].platt
        expected = fresh.models[label].probability(matrix.x)
        np.testing.assert_array_equal(m.probability(matrix.x), expected)


def test_a_first_stage_fitted_on_other_rows_is_fitted_again(
    world: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept stages are keyed by what they were fitted on: another window, another weighting
    or a sample's other weights do not take them."""
    matrix, labels, _ = _chosen(world)
    assert sorted(matrix.first_stages) == sorted(labels)
    calls = _counting(monkeypatch)
    fit_models(matrix, labels, UNTIL - dt.timedelta(days=10))  # fewer rows
    assert sorted(calls) == sorted(labels)
    calls.clear()
    ids = matrix.table.column("id").to_pylist()
    weighted = fit_models(matrix, labels, UNTIL, selection={i: 0.25 for i in ids[::7]})
    assert sorted(calls) == sorted(labels)
    assert weighted.extra["selection_weighting"]["rows_weighted"] > 0
    calls.clear()
    fit_models(matrix, labels, UNTIL)  # the grid's own rows and weights
    assert calls == []


def test_the_grid_weighs_rows_as_training_does(
    world: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With targeting history, training weighs picked shipments' labels by 1 / p: the grid's
    losses are those weighted losses, so the weight chosen is judged as the model is fitted,
    and training still reuses the grid's fits."""
    ids = _labelled(world, history.PRIOR_WEIGHT)[0].table.column("id").to_pylist()
    chance = {i: 0.1 for i in ids[::3]}
    monkeypatch.setattr(pipeline, "selection_probabilities", lambda settings: chance)
    calls = _counting(monkeypatch)
    model, _ = train(world, UNTIL)
    labels = sorted(model.models)
    assert sorted(calls) == sorted(labels * len(prior.GRID))
    assert model.extra["selection_weighting"]["rows_weighted"] > 0
    recorded = model.extra["profile_prior"]["validation_log_loss_ratio"]
    for weight in prior.GRID:
        matrix, _ = _labelled(world, weight)
        weighted = prior.matrix_loss(
            matrix, labels, UNTIL, lambda m: pipeline._selection_weights(m, chance)
        )
        assert recorded[f"{weight:g}"] == pytest.approx(weighted, rel=1e-9)
        assert weighted != pytest.approx(prior.matrix_loss(matrix, labels, UNTIL), rel=1e-6)
