"""Every prior weight's matrix from one feature pass (issue 12: the grid's cost).

Of all the features only the profile rates depend on the prior weight ``w``: a key's rate is
``(hp + w · prior) / (hn + w)`` (``features._profile_columns``), where ``hp`` is its
``<key>_positives<label>`` column, ``hn`` the label's inspections (not ``<key>_inspections``,
which counts any label) and ``prior`` a per-row expression (the global rate before the row's day,
or of the other folds). Entity counts, top-decile flags (raw counts against thresholds of raw
rates, ``deciles.py``), the keys and the rules' inputs other than rates do not read ``w``.

So the query runs once with ``hn`` and ``prior`` as hidden columns (``FeatureQuery.with_counts``)
and each weight's rates follow in float64 with the SQL's arithmetic, the hidden columns dropped
and the rules evaluated again: the matrix the query with that weight gives, column for column
(``tests/score/test_reprior.py``: the table within 1e-12, the inputs within one ``canonical``
rounding step, on DuckDB and Spark, with and without a sample).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ringfence.score.features import (
    HIDDEN,
    FeatureSet,
    finish_features,
    inspections_column,
    prior_column,
)
from ringfence.score.history import rate_pairs
from ringfence.score.keys import HISTORY_KEYS
from ringfence.score.labelled import FeatureQuery
from ringfence.score.pipeline import Matrix, build_matrix, with_labels
from ringfence.store.engine import Engine


def counted_rows(engine: Engine, query: FeatureQuery, condition: str) -> FeatureSet:
    """The rows meeting ``condition`` as ``labelled.matrix_where`` reads them (labels joined,
    sorted by date and id), with the hidden columns of every rate's inspections and prior."""
    table = engine.query(query.with_counts().where(condition))
    return with_labels(engine, finish_features(table, query.catalogue), query.labels)


def matrix_for(rows: FeatureSet, query: FeatureQuery, weight: float) -> Matrix:
    """The matrix of ``counted_rows`` with the profiles smoothed by ``weight``: the rates
    computed here, the hidden columns dropped, the rules evaluated on these rates."""
    table = rows.table
    for suffix, _, _ in rate_pairs(query.labels):
        prior = _floats(table, prior_column(suffix))
        for name in HISTORY_KEYS:
            hp = _floats(table, f"{name}_positives{suffix}")
            hn = _floats(table, inspections_column(name, suffix))
            rate = (hp + weight * prior) / (hn + weight)  # as the SQL: hp + (w · prior) first
            column = f"{name}_rate{suffix}"
            index = table.schema.get_field_index(column)
            table = table.set_column(index, column, pa.array(rate, pa.float64(), from_pandas=True))
    table = table.drop_columns([c for c in table.column_names if c.startswith(HIDDEN)])
    matrix = build_matrix(FeatureSet(table, rows.columns), query.rules)
    matrix.prior_weight = float(weight)
    return matrix


def _floats(table: pa.Table, column: str) -> np.ndarray:
    """A column as float64 (null: NaN, which the rate then carries as SQL carries null)."""
    values = table.column(column).cast(pa.float64()).fill_null(np.nan)
    return np.asarray(values.to_numpy(), dtype=np.float64)
