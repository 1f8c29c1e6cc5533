"""A model trained on one linker scores identically in another (driver_training.copy_trained):
what lets Spark score with the model learnt on the driver. Spark end to end:
test_resolution_spark.py and tests/cluster."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from splink import DuckDBAPI, Linker

from ringfence.resolve.blocking import with_near_keys
from ringfence.resolve.driver_training import copy_trained, train_on_driver, untrained_linker
from ringfence.resolve.prepare import prepare_mentions
from tests.resolve.test_prior import _register


def _cleaned() -> pa.Table:
    """A register of 120 people written 2-4 times each, cleaned for matching."""
    rows, _ = _register(120)
    return prepare_mentions(pa.Table.from_pylist(rows))


def _untrained(keyed: pa.Table, cleaned: pa.Table) -> Linker:
    return untrained_linker(DuckDBAPI(), keyed, cleaned)


def _levels(linker: Linker) -> list[tuple[str, float | None, float | None, str | None]]:
    return [
        (
            comparison.output_column_name,
            level.m_probability,
            level.u_probability,
            level._tf_adjustment_column,
        )
        for comparison in linker._settings_obj.comparisons
        for level in comparison.comparison_levels
        if not level.is_null_level
    ]


def _scores(linker: Linker) -> pd.DataFrame:
    frame = linker.inference.predict().as_pandas_dataframe()
    return frame[["unique_id_l", "unique_id_r", "match_weight"]].sort_values(
        ["unique_id_l", "unique_id_r"], ignore_index=True
    )


def test_the_copy_scores_every_pair_as_the_trained_model() -> None:
    cleaned = _cleaned()
    assert cleaned.num_rows >= 240
    keyed = with_near_keys(cleaned)
    trained = train_on_driver(keyed, cleaned, None)
    target = _untrained(keyed, cleaned)
    assert _levels(target) != _levels(trained)  # nothing learnt yet
    copy_trained(trained, target)
    assert _levels(target) == _levels(trained)
    assert (
        target._settings_obj._probability_two_random_records_match
        == trained._settings_obj._probability_two_random_records_match
    )
    mine, theirs = _scores(target), _scores(trained)
    assert len(mine) > 0
    pd.testing.assert_frame_equal(mine, theirs)


def test_a_model_of_other_comparisons_is_refused() -> None:
    cleaned = _cleaned()
    keyed = with_near_keys(cleaned)
    trained = _untrained(keyed, cleaned)
    other = _untrained(keyed, cleaned)
    other._settings_obj.comparisons.reverse()
    with pytest.raises(ValueError, match="comparisons differ"):
        copy_trained(trained, other)
