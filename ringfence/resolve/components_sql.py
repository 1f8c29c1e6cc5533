"""Connected components as iterated SQL, for an engine that spreads the work (Spark).

The same clustering as ``pipeline.connected_components`` (SciPy on the driver): every mention
ends with the smallest mention id of its component as its label. Each step gives a node the
smallest label among itself and its neighbours, then jumps to its label's label (pointer
jumping, so long chains take about log-many steps, not their length); a step is materialized
so the next reads it instead of the whole history. The edges never leave the engine.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ringfence.store.engine import Engine
from ringfence.store.engine.iterate import iterate

STEP_SQL = """
WITH spread AS (
    SELECT e.dst AS node, MIN(l.label) AS label
    FROM cc_edges AS e JOIN {old} AS l ON l.node = e.src
    GROUP BY e.dst
),
lowered AS (
    SELECT l.node,
           CASE WHEN s.label IS NOT NULL AND s.label < l.label THEN s.label ELSE l.label END
               AS label
    FROM {old} AS l LEFT JOIN spread AS s ON s.node = l.node
)
SELECT a.node, CASE WHEN b.label < a.label THEN b.label ELSE a.label END AS label
FROM lowered AS a LEFT JOIN lowered AS b ON b.node = a.label
"""

CHANGED_SQL = """
SELECT COUNT(*) AS changed
FROM {new} AS n JOIN {old} AS o ON o.node = n.node
WHERE n.label <> o.label
"""

LABELS = ("cc_labels_a", "cc_labels_b")


def components_on_engine(
    engine: Engine, mention_ids: pa.Array | pa.ChunkedArray, links_sql: str, max_steps: int = 200
) -> pd.DataFrame:
    """``mention_id``/``cluster_id`` (the component's smallest mention id) for every mention.

    ``links_sql``: DuckDB-dialect SQL giving ``unique_id_l``, ``unique_id_r`` pairs, read by
    the engine where they are (e.g. Splink's predictions table on Spark).
    """
    ids = pa.chunked_array([mention_ids]).cast(pa.string())
    engine.register_arrow("cc_nodes", pa.table({"node": ids}))
    engine.materialize(
        "cc_edges",
        f"""WITH l AS ({links_sql})
        SELECT CAST(unique_id_l AS VARCHAR) AS src, CAST(unique_id_r AS VARCHAR) AS dst FROM l
        WHERE unique_id_l <> unique_id_r
        UNION ALL
        SELECT CAST(unique_id_r AS VARCHAR), CAST(unique_id_l AS VARCHAR) FROM l
        WHERE unique_id_l <> unique_id_r""",
    )
    engine.materialize(LABELS[0], "SELECT node, node AS label FROM cc_nodes")
    final, _, _ = iterate(engine, LABELS, STEP_SQL, CHANGED_SQL, lambda c: not c, max_steps)
    table = engine.query(f"SELECT node AS mention_id, label AS cluster_id FROM {final}")
    return table.to_pandas()
