"""A sample that bounds the positives too (score/sample.py): past ``POSITIVE_SHARE`` of the
limit each label's positives are drawn, a rare label's kept whole, and every row weighs the
inverse of its chance."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ringfence.cli.score_cmd import _sample_line
from ringfence.score import sample as sampling
from ringfence.score.inputs import register_inputs
from ringfence.score.labelled import labelled_matrix
from ringfence.score.pipeline import EPOCH, fit_models
from ringfence.score.prior import training_matrix
from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from tests.score.sampling_checks import assert_spark_draws_alike, drawn
from tests.score.world import make_world, write_world

# A fifth of the shipments positive for fraud, ~3 % for ipr: the window's ~870 fraud positives
# pass half of MAX_ROWS, its ~140 ipr ones fit in their share.
SHIPMENTS, OUTCOMES = make_world(rows=6000, days=90, seed=5)
UNTIL = dt.date(2024, 3, 10)
CUTOFF = UNTIL + dt.timedelta(days=1)
MAX_ROWS = 1000


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("positives"), train_max_rows=MAX_ROWS)
    write_world(settings, SHIPMENTS, OUTCOMES)
    return settings


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _truth(outcomes: pa.Table = OUTCOMES) -> tuple[dict[str, set[str]], dict[str, dt.date]]:
    """Each labelled shipment's positive labels, and each shipment's date (from the world)."""
    positive: dict[str, set[str]] = {}
    for o in outcomes.to_pylist():
        positive.setdefault(o["shipment_ref"], set())
        if o["positive"]:
            positive[o["shipment_ref"]].add(o["label"])
    return positive, {s["id"]: s["date"] for s in SHIPMENTS.to_pylist()}


def _plan(settings: Settings) -> sampling.TrainingSample:
    engine = open_engine(settings)
    try:
        register_inputs(settings, engine)
        plan = sampling.plan_sample(engine, MAX_ROWS, UNTIL)
    finally:
        engine.close()
    assert plan is not None
    return plan


def _chance(plan: sampling.TrainingSample, labels: set[str]) -> float:
    """A window shipment's chance to be drawn, worked out apart from the module."""
    if not labels:
        return plan.fraction
    return max(plan.positive_fractions.get(label, 1.0) for label in labels)


def _expected(plan: sampling.TrainingSample, outcomes: pa.Table = OUTCOMES) -> set[str]:
    """The ids the plan draws: MD5 below the chance's hex threshold, or after the window."""
    positive, dates = _truth(outcomes)
    kept = set()
    for i, labels in positive.items():
        if dates[i] > UNTIL:
            kept.add(i)
        elif not labels:
            kept |= {i} if _md5(i) < plan.threshold else set()
        elif any(_md5(i) < sampling._hex(plan.positive_fractions[lab])
                 if lab in plan.positive_fractions else True for lab in labels):  # fmt: skip
            kept.add(i)
    return kept


def test_water_filling_keeps_the_small_labels_whole() -> None:
    fractions = sampling.label_fractions({"ipr": 100, "fraud": 2000, "tax": 900}, 1000)
    # ipr whole (100 < 333); the other two share 900: 450 each.
    assert set(fractions) == {"fraud", "tax"}
    assert fractions["fraud"] * 2000 == pytest.approx(450)
    assert fractions["tax"] * 900 == pytest.approx(450)
    assert sampling.label_fractions({"a": 10, "b": 20}, 1000) == {}


def test_past_half_the_limit_the_common_label_is_drawn_and_the_rare_one_kept(
    world: Settings,
) -> None:
    plan = _plan(world)
    positive, dates = _truth()
    window = {i: labels for i, labels in positive.items() if dates[i] <= UNTIL}
    fraud = sum("fraud" in labels for labels in window.values())
    ipr = sum("ipr" in labels for labels in window.values())
    assert fraud > sampling.POSITIVE_SHARE * MAX_ROWS > ipr, "the world must need the draw"
    assert set(plan.positive_fractions) == {"fraud"}
    room = sampling.POSITIVE_SHARE * MAX_ROWS
    assert plan.positive_fractions["fraud"] * fraud == pytest.approx(room - ipr)
    negatives = sum(not labels for labels in window.values())
    assert plan.fraction == pytest.approx((MAX_ROWS - room) / negatives)


def test_the_sql_draws_what_the_plan_says(world: Settings) -> None:
    plan = _plan(world)
    engine = open_engine(world)
    try:
        register_inputs(world, engine)
        got = drawn(engine, plan)
    finally:
        engine.close()
    assert got == _expected(plan)
    positive, dates = _truth()
    ipr = {i for i, labels in positive.items() if "ipr" in labels}
    fraud_only = {i for i, labels in positive.items() if labels == {"fraud"} and dates[i] <= UNTIL}
    assert ipr <= got, "every ipr positive is kept"
    kept = len(fraud_only & got)
    q = plan.positive_fractions["fraud"]
    mean = q * len(fraud_only)
    assert 0 < kept < len(fraud_only)
    assert abs(kept - mean) < 4 * np.sqrt(mean * (1 - q))


def _training(settings: Settings):
    engine = open_engine(settings)
    try:
        return training_matrix(settings, engine, CUTOFF, UNTIL, prior_weight=3.0)
    finally:
        engine.close()


def test_every_row_weighs_the_inverse_of_its_chance(world: Settings) -> None:
    matrix, labels, _ = _training(world)
    plan = matrix.sample
    assert plan is not None and plan.positive_fractions
    weights = sampling.row_weights(matrix, labels)
    assert weights is not None
    positive, dates = _truth()
    ids = matrix.table.column("id").to_pylist()
    assert set(ids) == _expected(plan)
    for i, w in zip(ids, weights, strict=True):
        chance = 1.0 if dates[i] > UNTIL else _chance(plan, positive[i])
        assert w == pytest.approx(1 / chance)
    assert {round(float(w), 6) for w in weights} == {
        1.0, round(1 / plan.fraction, 6), round(1 / plan.positive_fractions["fraud"], 6)
    }  # fmt: skip


def test_the_model_stays_calibrated_with_the_positivesdrawn(world: Settings) -> None:
    """Weighted, the fraud model predicts the window's base rate on all its rows; the draw of
    positives and negatives at different chances would bias it otherwise."""
    matrix, labels, _ = _training(world)
    engine = open_engine(world)
    try:
        full, _ = labelled_matrix(world, engine, CUTOFF, None, True, 3.0)
    finally:
        engine.close()
    window = full.days() <= (UNTIL - EPOCH).days
    y = np.asarray(full.table.column("fraud").to_numpy(zero_copy_only=False)[window], dtype=float)
    model = fit_models(matrix, labels, UNTIL)
    weighted = model.models["fraud"].probability(full.x[window]).mean()
    plan, matrix.sample = matrix.sample, None
    unweighted = fit_models(matrix, labels, UNTIL).models["fraud"].probability(full.x[window])
    matrix.sample = plan
    rate = y.mean()
    assert unweighted.mean() - rate > 0.1, "the test needs a sample that would bias the model"
    assert abs(weighted - rate) < 0.04
    record = model.extra["training_sample"]
    assert set(record["positive_fractions"]) == {"fraud"}
    line = _sample_line(record)
    assert "fraud " in line and "(other labels' all)" in line and "all 0" not in line


def test_a_label_with_quotes_is_named_by_its_md5(world: Settings, tmp_path) -> None:
    """Label text never enters the condition: a label written as SQL is drawn like any other."""
    odd = "fraud') OR TRUE --"
    outcomes = OUTCOMES.set_column(
        OUTCOMES.schema.get_field_index("label"),
        "label",
        pc.replace_substring(OUTCOMES.column("label"), "fraud", odd),
    )
    settings = Settings(data_dir=tmp_path, train_max_rows=MAX_ROWS)
    write_world(settings, SHIPMENTS, outcomes)
    plan = _plan(settings)
    assert set(plan.positive_fractions) == {odd}
    assert odd not in plan.condition()
    engine = open_engine(settings)
    try:
        register_inputs(settings, engine)
        assert drawn(engine, plan) == _expected(plan, outcomes)
    finally:
        engine.close()


@pytest.mark.spark
def test_spark_draws_the_same_positives(world: Settings, spark_session) -> None:
    plan = assert_spark_draws_alike(world, spark_session, MAX_ROWS, UNTIL)
    assert plan.positive_fractions
