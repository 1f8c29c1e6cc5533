"""On Spark, the resolution model learns on the driver and scores on the executors.

Splink's training is many small jobs: u from random pairs, then an EM session per identifier
block whose every iteration is a query over a table of agreement patterns a few hundred rows
long. On Spark each of those is a scheduled job; on a 6,781-mention world training took 110 of
the 160 seconds of ``ringfence resolve --engine spark`` (local, 2 cores), against about two on
DuckDB. The cleaned mentions are already on the driver (``pipeline.clean_mentions``), so the
same ``model.train`` runs there on DuckDB, over the same table, and its levels are copied into
the Spark model, which blocks and scores the candidate pairs on the executors. Both engines then
score with one model: the same m, u, prior and term-frequency columns, level for level.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
import pyarrow as pa

from ringfence.resolve.comparisons import RARE_COLUMN
from ringfence.resolve.model import rare_names_tf, settings_creator, train

log = logging.getLogger(__name__)


def train_on_driver(keyed: pa.Table, cleaned: pa.Table, confirmed: pd.DataFrame | None) -> Any:
    """A DuckDB linker over ``keyed`` (the cleaned mentions with their near keys), trained by
    ``model.train`` exactly as the DuckDB pipeline trains."""
    from splink import DuckDBAPI

    linker = untrained_linker(DuckDBAPI(), keyed, cleaned)
    train(linker, cleaned, confirmed=confirmed)
    return linker


def untrained_linker(db_api: Any, keyed: pa.Table, cleaned: pa.Table) -> Any:
    """A fresh resolution model over ``keyed`` on ``db_api``'s backend, with the rare-name
    term frequencies of ``cleaned`` registered (what every engine trains or scores with)."""
    from splink import Linker

    linker = Linker(db_api.register(keyed), settings_creator(explain=False), log_level=None)
    linker.table_management.register_term_frequency_lookup(
        db_api.register(rare_names_tf(cleaned).to_pandas()), RARE_COLUMN
    )
    return linker


def copy_trained(source: Any, target: Any) -> None:
    """Give ``target`` (an untrained linker of the same settings, any backend) the prior and
    every level's m, u and term-frequency column of the trained ``source``."""
    learnt, untrained = source._settings_obj, target._settings_obj
    for trained_comparison, comparison in zip(
        learnt.comparisons, untrained.comparisons, strict=True
    ):
        if trained_comparison.output_column_name != comparison.output_column_name:
            raise ValueError(f"comparisons differ: {comparison.output_column_name}")
        levels = zip(
            trained_comparison.comparison_levels, comparison.comparison_levels, strict=True
        )
        for trained_level, level in levels:
            if trained_level.is_null_level:
                continue
            level.m_probability = trained_level.m_probability
            level.u_probability = trained_level.u_probability
            level._tf_adjustment_column = trained_level._tf_adjustment_column
    prior = learnt._probability_two_random_records_match
    untrained._probability_two_random_records_match = prior
    log.info("model trained on the driver copied to the %s linker", type(target).__name__)
