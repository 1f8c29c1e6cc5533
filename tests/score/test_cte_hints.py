"""The feature query's CTE marks (``cte_hints.hint_ctes``): DuckDB keeps only the base rows,
labels and folds; Spark reads the same query without the marks."""

from __future__ import annotations

import re

import pytest

from ringfence.score import features
from ringfence.score.cte_hints import MATERIALIZED_CTES, hint_ctes
from ringfence.score.features import feature_sql

CTE = re.compile(r"(?:^WITH |,\n)\s*(\w+) AS (NOT MATERIALIZED|MATERIALIZED)? ?\(", re.MULTILINE)


def test_hint_ctes_marks_every_cte_once() -> None:
    marked = hint_ctes(
        "WITH base AS (SELECT 1 AS x),\nw_a AS (SELECT x FROM base),\n lab AS (\n SELECT 2)"
    )
    assert marked == (
        "WITH base AS MATERIALIZED (SELECT 1 AS x),\n"
        "w_a AS NOT MATERIALIZED (SELECT x FROM base),\n"
        " lab AS MATERIALIZED (\n SELECT 2)"
    )


@pytest.mark.parametrize("flags", [False, True])
@pytest.mark.parametrize("oof", [False, True])
def test_every_cte_of_the_feature_query_is_marked(
    monkeypatch: pytest.MonkeyPatch, flags: bool, oof: bool
) -> None:
    monkeypatch.setattr(features, "TOP_DECILES", flags)
    monkeypatch.setattr(features, "SHIPMENT_COUNTS", flags)
    sql = feature_sql(["fraud", "ipr"], None, network=True, oof=oof, rows="b.id IN ('x')")
    heads = CTE.findall(sql[: sql.rfind("\nSELECT b.")])
    assert len(heads) > 40
    assert all(how for _, how in heads), [name for name, how in heads if not how]
    kept = {name for name, how in heads if how == "MATERIALIZED"}
    assert kept == (MATERIALIZED_CTES if oof else MATERIALIZED_CTES - {"fold"})
    assert sql.rstrip().endswith("WHERE b.id IN ('x')")


def test_spark_drops_the_marks() -> None:
    pytest.importorskip("pyspark")
    import sqlglot
    from sqlglot.errors import ErrorLevel

    from ringfence.store.engine.spark_engine import _drop_materialization

    tree = sqlglot.parse_one(
        hint_ctes("WITH base AS (SELECT 1 AS x),\nw AS (SELECT x FROM base)") + " SELECT * FROM w",
        read="duckdb",
    )
    spark = tree.transform(_drop_materialization).sql(
        dialect="spark", unsupported_level=ErrorLevel.RAISE
    )
    assert "MATERIALIZED" not in spark
    assert spark == "WITH base AS (SELECT 1 AS x), w AS (SELECT x FROM base) SELECT * FROM w"
