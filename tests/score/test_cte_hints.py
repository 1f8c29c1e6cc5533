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
    # The rows' condition is the kept rows' own, stored once; the final joins read through it.
    assert "kept_rows AS MATERIALIZED (SELECT * FROM base b WHERE b.id IN ('x'))" in sql
    final = sql[sql.rfind("\nSELECT b."):]
    assert "\nFROM kept_rows b\n" in final and "WHERE b.id" not in final
    history_joins = re.findall(r"LEFT JOIN (\S+)", final)
    assert len(history_joins) > 30
    cut = [j for j in history_joins if j == "(SELECT"]
    assert len(cut) == len(features.HISTORY_KEYS) * (3 if oof else 1) + 1 + oof


def test_without_rows_the_joins_read_whole_tables() -> None:
    sql = feature_sql(["fraud", "ipr"], None, network=True, oof=True)
    final = sql[sql.rfind("\nSELECT b."):]
    assert "kept_rows" not in sql and "\nFROM base b\n" in final


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


def _bodies(sql: str) -> dict[str, tuple[str, str]]:
    """Each CTE's mark and text up to the next CTE's head (the last: up to the final select)."""
    heads = list(CTE.finditer(sql))
    end = sql.rfind("\nSELECT b.")
    return {
        h.group(1): (h.group(2), sql[h.end() : heads[i + 1].start() if i + 1 < len(heads) else end])
        for i, h in enumerate(heads)
    }


@pytest.mark.parametrize("oof", [False, True])
def test_the_mentions_meet_their_entities_once_per_reader_at_most(oof: bool) -> None:
    """A CTE that joins ``ent`` (mentions to resolved entities) and is inlined joins it again
    for every reader: inlined twice per party key it held 18 hash tables of ~200k mentions
    and the training query on the simulator's 1M shipments ran out of 2 GB. So every such CTE
    read more than once is stored. Since 2026-12-06 they join each role's map (``ent_<role>``,
    only the mentions that role names), itself read from the stored ``ent``."""
    sql = feature_sql(["fraud", "ipr"], None, network=True, oof=oof, rows="b.id IN ('x')")
    bodies = _bodies(sql)
    joining = [
        name for name, (_, body) in bodies.items() if re.search(r"JOIN ent(_[a-z]+)?\b", body)
    ]
    assert bodies["ent"][0] == "MATERIALIZED"
    assert {f"bk_{name}" for name in features.PARTY_KEYS} <= set(joining)
    for name in joining:
        readers = len(re.findall(rf"\b{name}\b", sql)) - 1  # its own head
        how = bodies[name][0]
        assert how == "MATERIALIZED" or readers <= 1, (name, how, readers)
