"""The analytics engine interface: run SQL over the lake's Parquet datasets, get Arrow back.

Pipelines are written once, as SQL in DuckDB's dialect over named datasets. Each engine binds the
names to its own tables and translates the dialect (sqlglot) if it must; so a pipeline has one code
path whatever engine runs it. Failures are reported with the SQL that failed, as splink does,
never as a raw engine traceback.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import pyarrow as pa

from ringfence.errors import EngineError


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

    def materialize(self, table: str, sql: str) -> None:
        """Compute a DuckDB-dialect query once and bind its result to ``table``.

        For iterative algorithms: each step reads the previous step's table, so the result must
        be computed now, not re-derived from the whole history of steps (Spark's lineage).
        This default collects it as Arrow; a distributed engine keeps it on its workers.
        """
        self.register_arrow(table, self.query(sql))

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
