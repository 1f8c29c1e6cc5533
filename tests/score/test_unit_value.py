"""The unit-value features where an HS6's prices repeat (KCS's do): no z from rounding noise, the
same on DuckDB, on Spark and online. Before the sums were shifted (``unit_value.unit_value_sql``)
and a variance floor set (``MIN_LOG_VARIANCE``), a mean square less a squared mean of raw log
values left noise that differed by engine: on KCS's 2020 declarations 2,021 rows had a z on one
engine and none or another on the other (``bench/engines_public.py``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from ringfence.score.features import MIN_PRICE_HISTORY, compute_features
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.score.online_state import FeatureState
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine
from tests.score.world import make_world, write_world

REPEATED = "950300"  # every declaration of this HS6 has one unit price
# Every other one declares a tenth of the amount for a tenth of the weight: the same price, but
# its log differs from the others' in the last bit (ln(123.457 / 0.31) vs ln(1234.57 / 3.1)).
PRICE, WEIGHT, TENTH = 1234.57, 3.1, 0.1


def _world() -> tuple[pa.Table, pa.Table]:
    shipments, outcomes = make_world(rows=300, days=20, seed=11)
    repeated = np.asarray(shipments.column("hs_code").to_pylist()) == REPEATED
    scale = np.where(np.arange(shipments.num_rows) % 2 == 0, 1.0, TENTH)
    for name, value in (("declared_value", PRICE), ("weight_kg", WEIGHT)):
        column = shipments.column(name).to_numpy()
        index = shipments.schema.get_field_index(name)
        shipments = shipments.set_column(
            index, name, pa.array(np.where(repeated, value * scale, column), pa.float64())
        )
    currency = np.where(repeated, "EUR", shipments.column("currency").to_pylist())
    index = shipments.schema.get_field_index("currency")
    shipments = shipments.set_column(index, "currency", pa.array(currency.tolist()))
    return shipments, outcomes


SHIPMENTS, OUTCOMES = _world()


def _rows(settings: Settings, engine: Engine) -> dict[str, dict]:
    register_inputs(settings, engine)
    table = compute_features(engine, known_labels(engine)).table
    hs = dict(zip(SHIPMENTS.column("id").to_pylist(), SHIPMENTS.column("hs_code").to_pylist(),
                  strict=True))  # fmt: skip
    return {r["id"]: r for r in table.to_pylist() if hs[r["id"]] == REPEATED}


def _check(rows: dict[str, dict]) -> None:
    with_history = [r for r in rows.values() if r["unit_value_log_ratio"] is not None]
    assert len(with_history) >= MIN_PRICE_HISTORY  # not vacuous: rows past the history minimum
    assert len({r["log_unit_value"] for r in rows.values()}) == 2  # one price, two last bits
    assert all(abs(r["unit_value_log_ratio"]) < 1e-12 for r in with_history)
    assert all(r["unit_value_z"] is None for r in rows.values())


def test_repeated_prices_give_no_z_on_duckdb_and_online(settings: Settings) -> None:
    write_world(settings, SHIPMENTS, OUTCOMES)
    engine = DuckDBEngine(settings)
    try:
        rows = _rows(settings, engine)
        state = FeatureState.load(engine, known_labels(engine))
    finally:
        engine.close()
    _check(rows)
    records = {r["id"]: r for r in SHIPMENTS.to_pylist()}
    for shipment, row in rows.items():
        record = records[shipment]
        day = (record["date"] - dt.date(1970, 1, 1)).days
        online = state.features(record, day)
        assert online["unit_value_z"] is None
        assert online["unit_value_log_ratio"] == pytest.approx(row["unit_value_log_ratio"],
                                                               abs=1e-12)  # fmt: skip


@pytest.mark.spark
def test_repeated_prices_give_no_z_on_spark(settings: Settings, spark_session) -> None:
    from ringfence.store.engine.spark_engine import SparkEngine

    write_world(settings, SHIPMENTS, OUTCOMES)
    engine = SparkEngine(settings.model_copy(update={"engine": "spark"}), session=spark_session)
    try:
        _check(_rows(settings, engine))
    finally:
        engine.close()
