"""Score shipments in bulk with a stored model and keep the scores in the lake.

One code path for both engines: the feature SQL runs in the engine and the boosters are applied
to its rows batch by batch through ``Engine.map_to_parquet`` — streamed through the process on
DuckDB, on the executors on Spark (``mapInPandas``) — so the feature rows of ten million
shipments never gather in one place. Training stays on the driver (docs/scale.md).

The scores equal what ``ringfence target`` computes for the same shipments (the same features,
rules and boosters); ``tests/score/test_batch.py`` checks it on both engines.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ringfence.errors import UserError
from ringfence.score.features import (
    feature_parts,
    feature_sql,
    finish_features,
    network_keys_sql,
    switches_note,
)
from ringfence.score.goods import Catalogue, load_catalogue
from ringfence.score.inputs import known_labels, register_inputs
from ringfence.score.model import ScoringModel, load_model
from ringfence.score.network_risk import load_snapshots, register_network_risk
from ringfence.score.pipeline import build_matrix
from ringfence.score.rules import Rule, load_rules
from ringfence.score.staged import map_in_slices
from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake
from ringfence.store.leftovers import clean_leftovers, owned_name

SCORES_DATASET = "shipment_scores"
SCORES_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source_key", pa.string()),
        ("date", pa.date32()),
        ("label", pa.string()),
        ("score", pa.float64()),
        ("model_version", pa.string()),
    ]
)

# ``Settings.score_slice_rows`` by engine when unset: DuckDB joins in memory (its 2 GB held a
# resolved 3M-shipment world in one statement and 10M only in slices, docs/scale.md); Spark's
# joins spill, and one statement scored 3M on the cluster at its default sizing.
_DEFAULT_SLICE_ROWS = {"duckdb": 2_500_000}


@dataclass
class BatchScorer:
    """Feature rows in, one score row per shipment and label out (picklable for executors)."""

    model: ScoringModel
    rules: list[Rule]
    catalogue: Catalogue | None

    def __call__(self, table: pa.Table) -> pa.Table:
        """Score one batch of the feature query's rows."""
        matrix = build_matrix(finish_features(table, self.catalogue), self.rules)
        if matrix.names != self.model.features:
            note = switches_note(self.model.extra.get("feature_switches"))
            raise UserError(
                f"model {self.model.version} was trained on other features{note}; retrain"
            )
        keep = table.select(["id", "source_key", "date"])
        parts = [
            keep.append_column("label", pa.array([label] * table.num_rows, pa.string()))
            .append_column("score", pa.array(model.probability(matrix.x), pa.float64()))
            .append_column(
                "model_version", pa.array([self.model.version] * table.num_rows, pa.string())
            )
            for label, model in sorted(self.model.models.items())
        ]
        return pa.concat_tables(parts).cast(SCORES_SCHEMA)


@dataclass(frozen=True)
class ScoreSummary:
    """What ``score_to_lake`` wrote."""

    model_version: str
    engine: str
    shipments: int
    labels: list[str]
    seconds: float
    dataset: str = SCORES_DATASET


def _window(since: dt.date | None, until: dt.date | None) -> str:
    """The SQL condition on a feature row ``b`` that the shipments to score meet."""
    where = ["b.date IS NOT NULL"]
    if since is not None:
        where.append(f"b.date >= DATE '{since.isoformat()}'")
    if until is not None:
        where.append(f"b.date <= DATE '{until.isoformat()}'")
    return " AND ".join(where)


def _rows(engine: Engine, window: str) -> int:
    """How many shipments the window holds."""
    count = engine.scalar(f"SELECT count(*) FROM shipments b WHERE {window}")
    return int(count) if isinstance(count, int) else 0


def score_to_lake(
    settings: Settings,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    version: str | None = None,
    rules_path: str | None = None,
) -> ScoreSummary:
    """Score every shipment dated in [``since``, ``until``] with model ``version`` (default: the
    newest) and replace the lake's ``shipment_scores`` with the result."""
    if since is not None and until is not None and until < since:
        raise UserError(f"--until ({until}) is before --from ({since})")
    started = time.perf_counter()
    model = load_model(settings, version)
    lake = Lake(settings)
    clean_leftovers(settings.data_dir, settings.lake_dir)  # a killed run's staging
    staging = lake.dataset_dir(SCORES_DATASET) / owned_name(".staging-")
    engine = open_engine(settings)
    try:
        if not register_inputs(settings, engine):
            raise UserError("no shipments ingested yet: run 'ringfence ingest' first")
        scorer = BatchScorer(model, load_rules(rules_path), load_catalogue(settings, engine))
        network = load_snapshots(settings, None)
        if network is not None:
            register_network_risk(engine, network, network_keys_sql())
        labels, window = known_labels(engine), _window(since, until)
        most_rows = settings.score_slice_rows or _DEFAULT_SLICE_ROWS.get(engine.name)
        if most_rows is None or _rows(engine, window) <= most_rows:
            sql = feature_sql(labels, None, network is not None, prior_weight=model.prior_weight)
            sql = f"SELECT * FROM ({sql}) b WHERE {window}"
            parts = engine.map_to_parquet(sql, scorer, SCORES_SCHEMA, staging)
        else:  # in date slices, each history stored once (staged.py)
            query = feature_parts(
                labels, None, network is not None, prior_weight=model.prior_weight, rows="TRUE"
            )
            parts = list(map_in_slices(
                engine, query, scorer, SCORES_SCHEMA, staging, most_rows, window
            ))  # fmt: skip
        _replace_dataset(lake, parts)
    finally:
        engine.close()
        shutil.rmtree(staging, ignore_errors=True)
    rows = lake.row_count(SCORES_DATASET)
    labels = sorted(model.models)
    return ScoreSummary(
        model.version, engine.name, rows // max(len(labels), 1), labels,
        time.perf_counter() - started,
    )  # fmt: skip


def _replace_dataset(lake: Lake, parts: list[Path]) -> None:
    """Publish the new parts, then remove the previous run's (a reader in between may see both:
    each row carries its ``model_version``)."""
    old = lake.parts(SCORES_DATASET)
    for i, part in enumerate(parts):
        tmp = lake.new_part_path(SCORES_DATASET)
        part.replace(tmp)
        lake.commit_part(tmp, f"scores{i:05d}")
    for part in old:
        part.unlink(missing_ok=True)
