"""Training on a sample of the labelled rows (score/sample.py): who is drawn, how they weigh."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pytest

from ringfence.errors import SettingsError
from ringfence.score import rare
from ringfence.score import sample as sampling
from ringfence.score.inputs import register_inputs
from ringfence.score.labelled import labelled_matrix
from ringfence.score.pipeline import EPOCH, fit_models
from ringfence.score.prior import training_matrix
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.sampling_checks import assert_spark_draws_alike
from tests.score.world import make_world, write_world

SHIPMENTS, OUTCOMES = make_world(rows=2000, days=90, seed=5)
UNTIL = dt.date(2024, 3, 10)
CUTOFF = UNTIL + dt.timedelta(days=1)
MAX_ROWS = 1000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("sample"), train_max_rows=MAX_ROWS)
    write_world(settings, SHIPMENTS, OUTCOMES)
    return settings


def _truth() -> tuple[set[str], set[str], dict[str, dt.date]]:
    """Labelled ids, ids with a positive outcome, and each shipment's date (from the world)."""
    outcomes = OUTCOMES.to_pylist()
    labelled = {o["shipment_ref"] for o in outcomes}
    positive = {o["shipment_ref"] for o in outcomes if o["positive"]}
    dates = {s["id"]: s["date"] for s in SHIPMENTS.to_pylist()}
    return labelled, positive, dates


def _training(settings: Settings, weight: float | None = 3.0):
    engine = open_engine(settings)
    try:
        return training_matrix(settings, engine, CUTOFF, UNTIL, prior_weight=weight)
    finally:
        engine.close()


def _full(settings: Settings):
    engine = open_engine(settings)
    try:
        return labelled_matrix(settings, engine, CUTOFF, None, True, 3.0)
    finally:
        engine.close()


def test_no_sample_while_the_labelled_rows_fit(world: Settings) -> None:
    engine = open_engine(world)
    try:
        register_inputs(world, engine)
        assert sampling.plan_sample(engine, 10_000, UNTIL) is None
        plan = sampling.plan_sample(engine, MAX_ROWS, UNTIL)
    finally:
        engine.close()
    labelled, positive, dates = _truth()
    window = {i for i in labelled if dates[i] <= UNTIL}
    assert plan is not None and plan.labelled == len(window) > MAX_ROWS
    assert plan.positives == len(window & positive)
    negatives = plan.labelled - plan.positives
    assert plan.fraction == pytest.approx((MAX_ROWS - plan.positives) / negatives)
    assert 0 < plan.fraction < 1


def test_the_sample_keeps_positives_and_test_rows_and_draws_negatives_by_md5(
    world: Settings,
) -> None:
    matrix, _, _ = _training(world)
    plan = matrix.sample
    assert plan is not None
    labelled, positive, dates = _truth()
    got = set(matrix.table.column("id").to_pylist())
    # Drawn independently of the SQL: a window negative is kept iff its id's MD5 is below the
    # threshold; positives and rows after the window always.
    def drawn(i: str) -> bool:
        return hashlib.md5(i.encode()).hexdigest() < plan.threshold

    expected = {i for i in labelled if i in positive or dates[i] > UNTIL or drawn(i)}
    assert got == expected
    window_negatives = {i for i in labelled if dates[i] <= UNTIL and i not in positive}
    kept = len(window_negatives & got)
    # Binomial draw: within four standard deviations of fraction x negatives.
    mean = plan.fraction * len(window_negatives)
    assert abs(kept - mean) < 4 * np.sqrt(mean * (1 - plan.fraction))
    assert kept < len(window_negatives)


def test_drawn_negatives_weigh_the_inverse_of_their_chance(world: Settings) -> None:
    matrix, labels, _ = _training(world)
    assert matrix.sample is not None
    weights = sampling.row_weights(matrix, labels)
    assert weights is not None
    _, positive, dates = _truth()
    for i, w in zip(matrix.table.column("id").to_pylist(), weights, strict=True):
        sampled = dates[i] <= UNTIL and i not in positive
        assert w == pytest.approx(1 / matrix.sample.fraction if sampled else 1.0)


def test_a_model_trained_on_the_sample_stays_calibrated(world: Settings) -> None:
    """The weighted sample's fraud model predicts the window's base rate on all its rows; the
    same sample without its weights over-predicts as its own positive rate says (what the
    weights are for)."""
    matrix, labels, _ = _training(world)
    full, _ = _full(world)
    window = full.days() <= (UNTIL - EPOCH).days
    y = np.asarray(full.table.column("fraud").to_numpy(zero_copy_only=False)[window], dtype=float)
    model = fit_models(matrix, labels, UNTIL)
    record = model.extra["training_sample"]
    assert record["max_rows"] == MAX_ROWS and record["kept"] < record["labelled"]
    weighted = model.models["fraud"].probability(full.x[window]).mean()
    plan, matrix.sample = matrix.sample, None
    unweighted = fit_models(matrix, labels, UNTIL).models["fraud"].probability(full.x[window])
    matrix.sample = plan
    # Unweighted, the sample's rate r / (r + f (1 - r)) is what a model would learn.
    rate, f = y.mean(), plan.fraction
    bias = rate / (rate + f * (1 - rate)) - rate
    assert bias > 0.05, "the test needs a sample that would bias the model visibly"
    assert unweighted.mean() - rate > bias / 2
    assert abs(weighted - rate) < min(0.04, bias / 3)


def test_without_a_limit_training_sees_every_labelled_row(world: Settings) -> None:
    roomy = world.model_copy(update={"train_max_rows": 100_000})
    matrix, _, _ = _training(roomy)
    full, _ = _full(roomy)
    assert matrix.sample is None
    np.testing.assert_array_equal(matrix.x, full.x)


def test_the_limit_has_a_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGFENCE_TRAIN_MAX_ROWS", "999")
    with pytest.raises(SettingsError, match="RINGFENCE_TRAIN_MAX_ROWS"):
        Settings()


@pytest.mark.spark
def test_spark_draws_the_same_shipments(world: Settings, spark_session) -> None:
    plan = assert_spark_draws_alike(world, spark_session, MAX_ROWS, UNTIL)
    assert plan.fraction < 1


def test_a_rare_label_stays_rare_in_the_sample() -> None:
    """1 % positives; a sample keeping every positive and a tenth of the negatives holds 9 %,
    but weighted it is the 1 % it stands for, so the rare-label strategy still applies."""
    y = np.r_[np.ones(10), np.zeros(99)]
    weight = np.r_[np.ones(10), np.full(99, 10.0)]
    assert not rare.is_rare(y) and rare.is_rare(y, weight)
    loss = rare.loss_weights(y, "weights", None, weight)
    assert loss is not None and loss[0] == pytest.approx(np.sqrt(990 / 10))


def test_validation_metrics_are_weighted_as_the_sample() -> None:
    """A drawn negative stands for 1 / chance rows: the AUC counts it so."""
    from ringfence.score.model import _metrics

    y = np.array([1.0, 0.0, 0.0])
    p = np.array([0.5, 0.9, 0.1])
    assert _metrics(y, p)["auc"] == pytest.approx(0.5)
    assert _metrics(y, p, np.array([1.0, 1.0, 9.0]))["auc"] == pytest.approx(0.9)


def test_the_train_summary_says_it_sampled(world: Settings) -> None:
    from ringfence.cli.score_cmd import _sample_line

    matrix, labels, _ = _training(world)
    record = fit_models(matrix, labels, UNTIL).extra["training_sample"]
    line = _sample_line(record)
    assert "RINGFENCE_TRAIN_MAX_ROWS=1,000" in line and f"{record['positives']:,} with" in line


def test_training_up_to_the_last_representable_day_is_training_on_everything(
    world: Settings,
) -> None:
    """``--until 9999-12-31`` used to overflow computing the day after it (a traceback)."""
    from ringfence.score.pipeline import train

    model, _ = train(world, dt.date.max, prior_weight=3.0)
    assert model.train_until == max(d for d in SHIPMENTS.column("date").to_pylist()).isoformat()
