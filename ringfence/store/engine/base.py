"""The analytics engine interface: run SQL over the lake's Parquet datasets, get Arrow back.

Pipelines are written once, as SQL in DuckDB's dialect over named datasets. Each engine binds the
names to its own tables and translates the dialect (sqlglot) if it must; so a pipeline has one code
path whatever engine runs it. Failures are reported with the SQL that failed, as splink does,
never as a raw engine traceback.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from ringfence.errors import EngineError, RingfenceError

# A function from one batch of a query's rows to rows of the output schema (picklable: a
# distributed engine ships it to its workers).
BatchFunction = Callable[[pa.Table], pa.Table]


# Rows per batch handed to a ``map_to_parquet`` function.
MAP_BATCH_ROWS = 50_000


class Engine(ABC):
    """Runs SQL over named tables; subclasses implement the four primitives."""

    name: str = "engine"

    @abstractmethod
    def register_parquet(self, table: str, paths: list[Path]) -> None:
        """Make Parquet files queryable as ``table`` (replacing an earlier binding)."""

    @abstractmethod
    def register_arrow(self, table: str, data: pa.Table) -> None:
        """Make an in-memory Arrow table queryable as ``table``."""

    @abstractmethod
    def _execute(self, sql: str) -> pa.Table:
        """Run one statement in this engine's own dialect and return its result."""

    @abstractmethod
    def _copy_to_parquet(self, sql: str, path: Path) -> None:
        """Write the result of ``sql`` (own dialect) to a Parquet file without collecting it."""

    def translate(self, sql: str) -> str:
        """Translate DuckDB-dialect SQL to this engine's dialect (identity for DuckDB)."""
        return sql

    def query(self, sql: str) -> pa.Table:
        """Run a DuckDB-dialect query and return the result as Arrow."""
        native = self.translate(sql)
        try:
            return self._execute(native)
        except Exception as exc:  # engines raise many types; users get one, with the SQL
            raise EngineError(self._failure(native, exc)) from exc

    def write_parquet(self, sql: str, path: Path) -> None:
        """Run a DuckDB-dialect query and write its result to ``path`` as Parquet."""
        native = self.translate(sql)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._copy_to_parquet(native, path)
        except Exception as exc:
            raise EngineError(self._failure(native, exc)) from exc

    def map_to_parquet(
        self, sql: str, function: BatchFunction, schema: pa.Schema, folder: Path
    ) -> list[Path]:
        """Run a DuckDB-dialect query, apply ``function`` to its rows batch by batch and write
        what it returns (``schema``) as Parquet part files in ``folder``; returns the parts.

        The rows never gather in one place: DuckDB streams record batches through the function,
        Spark runs it on its executors (``mapInPandas``). Errors the function raises on purpose
        (``RingfenceError``) pass through unchanged.
        """
        native = self.translate(sql)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return self._map_to_parquet(native, function, schema, folder)
        except RingfenceError:
            raise
        except Exception as exc:
            raise EngineError(self._failure(native, exc)) from exc

    def _map_to_parquet(
        self, sql: str, function: BatchFunction, schema: pa.Schema, folder: Path
    ) -> list[Path]:
        """Default: collect the query, then map it in slices (engines override to stream)."""
        import pyarrow.parquet as pq

        table = self._execute(sql)
        path = folder / "part-00000.parquet"
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for batch in table.to_batches(max_chunksize=MAP_BATCH_ROWS):
                writer.write_table(function(pa.Table.from_batches([batch])).cast(schema))
        return [path]

    def materialize(self, table: str, sql: str) -> None:
        """Compute a DuckDB-dialect query once and bind its result to ``table``.

        For iterative algorithms: each step reads the previous step's table, so the result must
        be computed now, not re-derived from the whole history of steps (Spark's lineage).
        This default collects it as Arrow; a distributed engine keeps it on its workers.
        """
        self.register_arrow(table, self.query(sql))

    def store(self, table: str, sql: str, folder: Path) -> None:
        """Compute a DuckDB-dialect query once and bind its result to ``table``, kept out of
        memory: this default writes it as Parquet in ``folder`` (streamed, not collected); a
        distributed engine keeps it on its workers."""
        path = folder / f"{table}.parquet"
        self.write_parquet(sql, path)
        self.register_parquet(table, [path])

    def scalar(self, sql: str) -> object:
        """Run a query that returns one value."""
        table = self.query(sql)
        if table.num_rows == 0:
            return None
        return table.column(0)[0].as_py()

    def close(self) -> None:  # noqa: B027 - optional hook, most engines hold nothing
        """Release the engine's resources."""

    def describe_failure(self, exc: BaseException) -> str:
        """One line saying why the engine failed (an engine may name the setting to change)."""
        text = str(exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__

    def _failure(self, sql: str, exc: Exception) -> str:
        return (
            f"{self.name} could not run this query: {self.describe_failure(exc)}"
            f"\n--- failing SQL ---\n{sql.strip()}"
        )
