"""``Engine.map_to_parquet``: a Python function over a query's rows in batches, on both engines."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ringfence.errors import EngineError, UserError
from ringfence.store.engine import Engine

SCHEMA = pa.schema([("id", pa.int64()), ("doubled", pa.float64()), ("rows_in_batch", pa.int64())])


def _double(table: pa.Table) -> pa.Table:
    return pa.table(
        {
            "id": table.column("id"),
            "doubled": pc.multiply(table.column("x").cast(pa.float64()), 2.0),
            "rows_in_batch": pa.array([table.num_rows] * table.num_rows, pa.int64()),
        }
    )


def _refuse(table: pa.Table) -> pa.Table:
    raise UserError("this batch is refused on purpose")


def _read(parts: list[Path]) -> pa.Table:
    return pa.concat_tables([pq.read_table(p) for p in parts]).sort_by("id")


def test_every_row_is_mapped_once(engine: Engine, tmp_path: Path) -> None:
    rows = 120_000  # more than one batch
    engine.register_arrow(
        "numbers", pa.table({"id": pa.array(range(rows), pa.int64()), "x": range(rows)})
    )
    parts = engine.map_to_parquet(
        "SELECT id, x FROM numbers WHERE x % 3 <> 0", _double, SCHEMA, tmp_path / "out"
    )
    out = _read(parts)
    kept = [i for i in range(rows) if i % 3]
    assert out.column("id").to_pylist() == kept
    assert out.column("doubled").to_pylist() == [2.0 * i for i in kept]
    assert max(out.column("rows_in_batch").to_pylist()) < len(kept)  # batches, not one table
    assert out.schema.equals(SCHEMA)


def test_the_functions_own_errors_pass_through(engine: Engine, tmp_path: Path) -> None:
    engine.register_arrow("numbers", pa.table({"id": [1, 2], "x": [1, 2]}))
    with pytest.raises(UserError, match="refused on purpose"):
        engine.map_to_parquet("SELECT id, x FROM numbers", _refuse, SCHEMA, tmp_path / "out")


def test_a_failing_query_names_its_sql(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="no_such_table"):
        engine.map_to_parquet("SELECT * FROM no_such_table", _double, SCHEMA, tmp_path / "out")
