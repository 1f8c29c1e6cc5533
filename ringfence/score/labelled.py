"""Feature rows without the whole lake's feature matrix in this process (docs/scale.md).

The feature query runs in the engine over every shipment (each row's history needs the others);
a filter outside it lets only the rows a step uses leave the engine: the labelled shipments for
training and backtests (all that they read), the picked shipments for their reasons. The filter
keeps each row's features as they are, so the figures equal those of the whole matrix
(``tests/target/test_rows.py``). A lake's labelled rows are the inspected shipments, a few per
cent of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.errors import UserError
from ringfence.score.features import (
    feature_sql,
    finish_features,
    known_labels,
    network_keys_sql,
    register_inputs,
)
from ringfence.score.goods import Catalogue, load_catalogue
from ringfence.score.network_risk import load_snapshots, register_network_risk
from ringfence.score.rules import Rule, load_rules
from ringfence.settings import Settings
from ringfence.store.engine import Engine

if TYPE_CHECKING:
    from ringfence.score.pipeline import Matrix

LABELLED = "id IN (SELECT shipment_ref FROM outcomes WHERE shipment_ref IS NOT NULL)"


@dataclass
class FeatureQuery:
    """The registered feature query of one engine, with what turns its rows into a matrix."""

    sql: str
    labels: list[str]
    rules: list[Rule]
    catalogue: Catalogue | None

    def where(self, condition: str) -> str:
        """The query's rows that meet an SQL condition on its columns (``id``, ``date``...)."""
        return f"SELECT * FROM ({self.sql}) feature_rows WHERE {condition}"


def prepare(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    rules_path: str | Path | None = None,
    oof: bool = False,
    prior_weight: float | None = None,
) -> FeatureQuery:
    """Register the inputs (and network risk) in the engine; the feature query over them
    (``prior_weight``: the profiles' smoothing, a model's when scoring with it)."""
    rules = load_rules(rules_path)
    if not register_inputs(settings, engine):
        raise UserError("no shipments ingested yet: run 'ringfence ingest' first")
    labels = known_labels(engine)
    catalogue = load_catalogue(settings, engine)
    network = load_snapshots(settings, label_cutoff)
    if network is not None:
        register_network_risk(engine, network, network_keys_sql())
    sql = feature_sql(labels, label_cutoff, network is not None, oof, prior_weight)
    return FeatureQuery(sql, labels, rules, catalogue)


def matrix_where(engine: Engine, query: FeatureQuery, condition: str) -> Matrix:
    """The matrix (with label columns, sorted by date and id) of the rows meeting a condition."""
    from ringfence.score.pipeline import build_matrix, with_labels

    table = engine.query(query.where(condition))
    features = with_labels(engine, finish_features(table, query.catalogue), query.labels)
    return build_matrix(features, query.rules)


def labelled_matrix(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    rules_path: str | Path | None = None,
    oof: bool = False,
) -> tuple[Matrix, list[str]]:
    """The matrix of the shipments with an outcome, the only rows training and a backtest use:
    the same rows, features and order as in the whole lake's matrix."""
    query = prepare(settings, engine, label_cutoff, rules_path, oof)
    return matrix_where(engine, query, LABELLED), query.labels


def ids_condition(ids: list[str]) -> str:
    """SQL condition: the row's id is one of ``ids``."""
    if not ids:
        return "FALSE"
    return "id IN (" + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + ")"
