"""DuckDB, the embedded default engine."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ringfence.settings import Settings
from ringfence.store.engine.base import MAP_BATCH_ROWS, BatchFunction, Engine


def _quote_paths(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


class DuckDBEngine(Engine):
    """Runs pipelines in-process with DuckDB; spills to the data directory when memory is short."""

    name = "duckdb"

    def __init__(self, settings: Settings) -> None:
        tmp = settings.data_dir / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self._memory_limit = settings.duckdb_memory_limit
        self._con = duckdb.connect(
            config={
                "memory_limit": settings.duckdb_memory_limit,
                "temp_directory": str(tmp),
            }
        )
        # DuckDB's own progress bar writes to stdout and would spoil --json output.
        self._con.execute("SET enable_progress_bar = false")

    def describe_failure(self, exc: BaseException) -> str:
        """One line; running out of memory names the setting to raise and its current value."""
        line = super().describe_failure(exc)
        if isinstance(exc, duckdb.OutOfMemoryException):
            return (
                f"{line} - DuckDB ran out of its memory limit: raise RINGFENCE_DUCKDB_MEMORY_LIMIT "
                f"(now {self._memory_limit}) or free memory on this machine"
            )
        return line

    def register_parquet(self, table: str, paths: list[Path]) -> None:
        if not paths:
            raise ValueError(f"no Parquet files for {table}")
        self._forget(table)
        self._con.execute(
            f'CREATE OR REPLACE VIEW "{table}" AS SELECT * FROM read_parquet('
            f"{_quote_paths(paths)}, union_by_name = true)"
        )

    def register_arrow(self, table: str, data: pa.Table) -> None:
        self._forget(table)
        self._con.register(table, data)

    def _forget(self, table: str) -> None:
        """Drop an earlier binding of ``table``: a registered Arrow table would shadow a view."""
        self._con.unregister(table)
        self._con.execute(f'DROP VIEW IF EXISTS "{table}"')

    def _execute(self, sql: str) -> pa.Table:
        relation = self._con.sql(sql)
        return relation.to_arrow_table() if relation is not None else pa.table({})

    def _copy_to_parquet(self, sql: str, path: Path) -> None:
        target = str(path).replace("'", "''")
        self._con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")

    def _map_to_parquet(
        self, sql: str, function: BatchFunction, schema: pa.Schema, folder: Path
    ) -> list[Path]:
        """Stream the query's record batches through ``function`` into one Parquet file."""
        path = folder / "part-00000.parquet"
        reader = self._con.sql(sql).to_arrow_reader(MAP_BATCH_ROWS)
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_table(function(pa.Table.from_batches([batch])).cast(schema))
        return [path]

    def close(self) -> None:
        self._con.close()
