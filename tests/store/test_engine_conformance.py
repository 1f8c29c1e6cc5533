"""Engine conformance: the same DuckDB-dialect SQL over the same Parquet gives the same answers on
every engine. DuckDB (the reference) is run afresh in each test and compared with the engine under
test, so the Spark run is a true check of the sqlglot translation."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ringfence.errors import EngineError
from ringfence.settings import Settings
from ringfence.store.engine import Engine
from ringfence.store.engine.duckdb_engine import DuckDBEngine

T0 = dt.datetime(2026, 1, 30, 22, 15, 0)

SHIPMENTS = pa.table(
    {
        "id": [f"s{i:02d}" for i in range(12)],
        "shipper": ["p1", "p2", "p1", "p3", None, "p2", "p1", "p4", "p2", "p3", "p1", "p2"],
        "country": ["GB", "DE", "GB", "FR", "GB", None, "DE", "GB", "DE", "FR", "GB", "DE"],
        "value": [10.5, 99.0, 3.25, 12.0, 7.0, None, 150.75, 0.5, 42.0, 8.0, 64.0, 1.0],
        "weight": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        "shipped_at": [T0 + dt.timedelta(hours=19 * i) for i in range(12)],
        "shipped_on": [(T0 + dt.timedelta(days=5 * i)).date() for i in range(12)],
        "tags": [
            ["fast"],
            [],
            ["x", "fast"],
            None,
            ["y"],
            ["fast", "z"],
            [],
            ["x"],
            ["z"],
            ["fast"],
            [],
            ["y", "x"],
        ],
    }
)

PARTIES = pa.table(
    {
        "id": ["p1", "p2", "p3", "p5"],
        "name": ["  Acme Trading Ltd ", "bright-star GmbH", "Ocean Freight SARL", "Nobody"],
        "email": ["sales@acme.test", None, "INFO@ocean.test", "n@x.test"],
    }
)

QUERIES = {
    "aggregates": """
        SELECT country, count(*) AS n, count(DISTINCT shipper) AS shippers,
               sum(weight) AS weight, round(avg(value), 4) AS mean_value,
               min(shipped_on) AS first_day, max(shipped_at) AS last_at
        FROM shipments GROUP BY country ORDER BY country NULLS LAST""",
    "joins": """
        SELECT s.id, p.name, coalesce(p.email, 'unknown') AS email
        FROM shipments s LEFT JOIN parties p ON s.shipper = p.id
        WHERE s.weight % 2 = 0 ORDER BY s.id""",
    "semi_anti_join": """
        SELECT p.id, EXISTS (SELECT 1 FROM shipments s WHERE s.shipper = p.id) AS ships
        FROM parties p ORDER BY p.id""",
    "windows": """
        SELECT id, shipper,
               row_number() OVER (PARTITION BY shipper ORDER BY shipped_at, id) AS rn,
               lag(id) OVER (PARTITION BY shipper ORDER BY shipped_at, id) AS previous,
               sum(weight) OVER (PARTITION BY shipper ORDER BY shipped_at
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
               count(*) OVER (PARTITION BY country) AS in_country
        FROM shipments ORDER BY id""",
    "qualify": """
        SELECT shipper, id FROM shipments WHERE shipper IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY shipper ORDER BY value DESC NULLS LAST) = 1
        ORDER BY shipper""",
    "strings": """
        SELECT id, lower(trim(name)) AS clean, upper(name) AS shout, length(name) AS len,
               replace(name, ' ', '_') AS underscored, substr(trim(name), 1, 5) AS head,
               trim(name) || '/' || id AS joined, concat(id, '-', name) AS concatenated,
               regexp_replace(lower(name), '[^a-z]', '', 'g') AS letters,
               starts_with(lower(trim(name)), 'acme') AS is_acme,
               contains(lower(name), 'freight') AS is_freight,
               split_part(coalesce(email, '@'), '@', 2) AS domain
        FROM parties ORDER BY id""",
    "dates": """
        SELECT id, date_trunc('month', shipped_at) AS month,
               strftime(shipped_at, '%Y-%m-%d %H:%M') AS stamp,
               shipped_on + INTERVAL 7 DAY AS week_later,
               date_diff('day', DATE '2026-01-01', shipped_on) AS days_in,
               extract(year FROM shipped_on) AS yr, extract(dow FROM shipped_on) AS dow,
               dayofweek(shipped_at) AS dow2, isodow(shipped_on) AS iso_dow,
               date_part('month', shipped_on) AS mon,
               CAST(shipped_at AS DATE) AS day
        FROM shipments ORDER BY id""",
    "conditionals": """
        SELECT id, CASE WHEN value >= 50 THEN 'high' WHEN value >= 5 THEN 'mid' ELSE 'low' END
                   AS band,
               coalesce(country, 'ZZ') AS country, nullif(shipper, 'p1') AS not_p1,
               CAST(weight AS DOUBLE) / 4 AS quarter, greatest(weight, 6) AS at_least_6,
               value IS NULL AS no_value
        FROM shipments ORDER BY id""",
    "lists": """
        SELECT shipper, list(id ORDER BY id) AS ids, count(*) AS n
        FROM shipments WHERE shipper IS NOT NULL GROUP BY shipper ORDER BY shipper""",
    "list_functions": """
        SELECT id, array_length(tags) AS n_tags, list_contains(tags, 'fast') AS is_fast,
               list_distinct(tags) IS NOT NULL AS has_distinct
        FROM shipments WHERE tags IS NOT NULL ORDER BY id""",
    "cte_and_set_ops": """
        WITH big AS (SELECT shipper FROM shipments WHERE value > 20),
             small AS (SELECT shipper FROM shipments WHERE value <= 20)
        SELECT shipper, 'both' AS kind FROM (SELECT shipper FROM big INTERSECT
                                            SELECT shipper FROM small)
        UNION ALL
        SELECT shipper, 'only small' FROM (SELECT shipper FROM small EXCEPT SELECT shipper FROM big)
        ORDER BY kind, shipper NULLS FIRST""",
}


@pytest.fixture
def lake(tmp_path: Path) -> dict[str, list[Path]]:
    """Two small datasets, the shipments split over two part files as the lake writes them."""
    folder = tmp_path / "lake"
    folder.mkdir()
    paths = {"shipments": [folder / "s1.parquet", folder / "s2.parquet"], "parties": []}
    pq.write_table(SHIPMENTS.slice(0, 7), paths["shipments"][0])
    pq.write_table(SHIPMENTS.slice(7), paths["shipments"][1])
    paths["parties"] = [folder / "parties.parquet"]
    pq.write_table(PARTIES, paths["parties"][0])
    return paths


def _normalise(value: Any) -> Any:
    """Compare meaning, not representation: number widths, timezones and midnight timestamps."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return [tuple(_normalise(v) for v in row.values()) for row in table.to_pylist()]


def _register(engine: Engine, lake: dict[str, list[Path]]) -> None:
    for name, paths in lake.items():
        engine.register_parquet(name, paths)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_gives_the_reference_answer(
    name: str, engine: Engine, lake: dict[str, list[Path]], tmp_path: Path
) -> None:
    reference = DuckDBEngine(Settings(data_dir=tmp_path / "reference"))
    _register(reference, lake)
    _register(engine, lake)
    expected = reference.query(QUERIES[name])
    got = engine.query(QUERIES[name])
    reference.close()
    assert got.column_names == expected.column_names
    assert _rows(got) == _rows(expected)


def test_write_parquet_produces_one_readable_file(
    engine: Engine, lake: dict[str, list[Path]], tmp_path: Path
) -> None:
    _register(engine, lake)
    target = tmp_path / "out" / "result.parquet"
    engine.write_parquet(QUERIES["joins"], target)
    assert target.is_file()
    assert [p.name for p in target.parent.iterdir()] == ["result.parquet"]
    assert _rows(pq.read_table(target)) == _rows(engine.query(QUERIES["joins"]))
    empty = tmp_path / "out" / "empty.parquet"
    engine.write_parquet("SELECT id, weight FROM shipments WHERE weight > 100", empty)
    assert pq.read_table(empty).num_rows == 0
    assert pq.read_table(empty).column_names == ["id", "weight"]


def test_arrow_tables_can_be_queried(engine: Engine) -> None:
    engine.register_arrow("parties", PARTIES)
    engine.register_arrow("nothing", pa.schema([("id", pa.string())]).empty_table())
    assert engine.scalar("SELECT count(*) FROM parties WHERE email IS NOT NULL") == 3
    assert engine.scalar("SELECT count(*) FROM nothing") == 0


def test_a_bad_query_raises_engine_error_with_the_sql(
    engine: Engine, lake: dict[str, list[Path]]
) -> None:
    _register(engine, lake)
    with pytest.raises(EngineError) as caught:
        engine.query("SELECT no_such_column FROM shipments")
    assert "no_such_column" in caught.value.message
    assert "failing SQL" in caught.value.message


@pytest.mark.spark
def test_open_engine_reuses_a_running_spark_session(spark_session: Any, settings: Settings) -> None:
    from ringfence.store.engine import open_engine

    engine = open_engine(settings.model_copy(update={"engine": "spark"}))
    assert engine.name == "spark"
    engine.register_arrow("parties", PARTIES)
    assert engine.scalar("SELECT count(*) FROM parties") == 4
    engine.close()  # not its session: only its views go
    assert spark_session.sql("SELECT 1 AS one").toArrow().column(0)[0].as_py() == 1
    assert not spark_session.catalog.tableExists("parties")


def test_untranslatable_sql_is_an_engine_error_naming_the_sql(settings: Settings) -> None:
    from ringfence.store.engine.spark_engine import SparkEngine

    engine = SparkEngine(settings)  # translation needs no session, so this runs without Java
    with pytest.raises(EngineError, match="failing SQL") as caught:
        engine.translate("SELECT FROM WHERE (")
    assert "SELECT FROM WHERE (" in caught.value.message
    assert engine.translate("SELECT dayofweek(d) FROM t") == "SELECT (DAYOFWEEK(d) - 1) FROM t"
