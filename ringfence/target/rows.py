"""The day's scores for ``ringfence target`` computed where the feature rows are: streamed
through this process on DuckDB, on the executors on Spark (``Engine.map_to_parquet``); only the
scores and money columns come back, and the picked shipments' features for their reasons
(``score/labelled.py``, docs/scale.md).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from ringfence.errors import UserError
from ringfence.score.features import finish_features, switches_note
from ringfence.score.goods import Catalogue
from ringfence.score.labelled import FeatureQuery
from ringfence.score.model import ScoringModel
from ringfence.score.pipeline import build_matrix
from ringfence.score.rules import Rule
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.leftovers import owned_name

DAY_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("probability", pa.float64()),
        ("value_at_stake", pa.float64()),
        ("declared_value", pa.float64()),
    ]
)


@dataclass
class DayScorer:
    """Feature rows in; id, one label's probability and the money columns out (picklable)."""

    model: ScoringModel
    label: str
    rules: list[Rule]
    catalogue: Catalogue | None

    def __call__(self, table: pa.Table) -> pa.Table:
        """Score one batch of the feature query's rows."""
        matrix = build_matrix(finish_features(table, self.catalogue), self.rules)
        if matrix.names != self.model.features:
            note = switches_note(self.model.extra.get("feature_switches"))
            raise UserError(
                f"model {self.model.version} was trained on other features{note}; retrain it"
            )
        probability = self.model.models[self.label].probability(matrix.x)
        money = [table.column(c).cast(pa.float64()) for c in ("value_at_stake", "declared_value")]
        columns = [table.column("id"), pa.array(probability, pa.float64()), *money]
        return pa.Table.from_arrays(columns, schema=DAY_SCHEMA)


def score_where(
    settings: Settings, engine: Engine, query: FeatureQuery, scorer: DayScorer, condition: str
) -> pa.Table:
    """Scores of the rows meeting a condition, computed where the rows are (streamed on DuckDB,
    on the executors on Spark); only the four columns of ``DAY_SCHEMA`` reach this process."""
    folder = settings.data_dir / "tmp" / owned_name("target-")
    try:
        parts = engine.map_to_parquet(query.where(condition), scorer, DAY_SCHEMA, folder)
        tables = [pq.read_table(part, schema=DAY_SCHEMA) for part in parts]
        return pa.concat_tables(tables) if tables else DAY_SCHEMA.empty_table()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
