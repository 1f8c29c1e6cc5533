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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ringfence.errors import UserError
from ringfence.score import history
from ringfence.score.features import feature_sql, finish_features, network_keys_sql
from ringfence.score.goods import Catalogue, load_catalogue
from ringfence.score.inputs import known_labels, register_inputs
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
    # The profiles' smoothing the query was built with (``history.PRIOR_WEIGHT`` by default),
    # and what rebuilding it with another weight needs (``with_prior``).
    prior_weight: float = field(default_factory=lambda: history.PRIOR_WEIGHT)
    label_cutoff: dt.date | None = None
    network: bool = False
    oof: bool = False
    # With the hidden columns each rate is made of (``feature_sql(counts=True)``, reprior.py).
    counts: bool = False

    def where(self, condition: str) -> str:
        """The query's rows that meet an SQL condition on its columns (``id``, ``date``...).

        A condition on the shipment id alone (``LABELLED``, ``ids_condition``) limits the
        query's base rows before its joins instead (``feature_sql(rows=)``), so the final joins
        probe only those rows; when it is that one list and nothing more it is not checked again
        around the query (a second semi-join of every row, docs/scale.md)."""
        if not condition.startswith("id IN ("):
            return f"SELECT * FROM ({self.sql}) feature_rows WHERE {condition}"
        sql = self._sql(rows=f"b.{condition}")
        if _one_list(condition):  # the rows' own condition, whole: not checked twice
            return sql
        return f"SELECT * FROM ({sql}) feature_rows WHERE {condition}"

    def with_prior(self, weight: float) -> FeatureQuery:
        """The same query with the profiles smoothed by ``weight`` (inputs stay registered)."""
        query = replace(self, prior_weight=float(weight))
        return replace(query, sql=query._sql())

    def with_counts(self) -> FeatureQuery:
        """The same query returning each rate's inspections and prior as hidden columns."""
        query = replace(self, counts=True)
        return replace(query, sql=query._sql())

    def _sql(self, rows: str | None = None) -> str:
        return feature_sql(
            self.labels, self.label_cutoff, self.network, self.oof, self.prior_weight, rows,
            self.counts,
        )  # fmt: skip


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
    weight = history.PRIOR_WEIGHT if prior_weight is None else float(prior_weight)
    sql = feature_sql(labels, label_cutoff, network is not None, oof, weight)
    network_on = network is not None
    return FeatureQuery(sql, labels, rules, catalogue, weight, label_cutoff, network_on, oof)


def matrix_where(engine: Engine, query: FeatureQuery, condition: str) -> Matrix:
    """The matrix (with label columns, sorted by date and id) of the rows meeting a condition;
    it records the prior weight its profiles were smoothed with."""
    from ringfence.score.pipeline import build_matrix, with_labels

    table = engine.query(query.where(condition))
    features = with_labels(engine, finish_features(table, query.catalogue), query.labels)
    matrix = build_matrix(features, query.rules)
    matrix.prior_weight = query.prior_weight
    return matrix


def labelled_matrix(
    settings: Settings,
    engine: Engine,
    label_cutoff: dt.date | None,
    rules_path: str | Path | None = None,
    oof: bool = False,
    prior_weight: float | None = None,
) -> tuple[Matrix, list[str]]:
    """The matrix of the shipments with an outcome, the only rows training and a backtest use:
    the same rows, features and order as in the whole lake's matrix."""
    query = prepare(settings, engine, label_cutoff, rules_path, oof, prior_weight)
    return matrix_where(engine, query, LABELLED), query.labels


def _one_list(condition: str) -> bool:
    """Whether ``condition`` (``id IN (...)...``) is that one list and nothing after it: the
    parenthesis it opens closes at its end (string literals skipped)."""
    depth, quoted = 0, False
    for at, char in enumerate(condition):
        if char == "'":
            quoted = not quoted  # a doubled quote toggles twice
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return at == len(condition) - 1
    return False


def ids_condition(ids: list[str]) -> str:
    """SQL condition: the row's id is one of ``ids``."""
    if not ids:
        return "FALSE"
    return "id IN (" + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + ")"
