"""Apache Spark, for users whose data outgrows one machine.

Pipelines stay DuckDB-dialect SQL; this engine translates each statement to Spark SQL with sqlglot
and runs it, so there is one code path for both engines. The session is built lazily (Spark takes
seconds to start), quiet, with the UI off, sized by the ``RINGFENCE_SPARK_*`` settings
(``spark_config``); point ``RINGFENCE_SPARK_MASTER`` at a cluster to scale out. Failures are one
line naming the setting to change (``spark_errors``), the JVM's log kept in ``DATA_DIR/logs``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from ringfence.errors import EngineError, RingfenceError
from ringfence.settings import Settings
from ringfence.store.engine.base import BatchFunction, Engine
from ringfence.store.engine.cluster_sizing import cluster_executor_memory
from ringfence.store.engine.spark_config import is_local, scratch_dir, spark_conf
from ringfence.store.engine.spark_errors import describe
from ringfence.store.leftovers import owned_name

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# PySpark logs every failed query with a full JVM stack trace; EngineError already reports the
# failure with its SQL in one message, so these loggers would only repeat it noisily.
_NOISY_PYSPARK_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


_LOG4J_PROPERTIES = """\
rootLogger.level = warn
rootLogger.appenderRef.file.ref = file
appender.file.type = File
appender.file.name = file
appender.file.fileName = {path}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{yyyy-MM-dd HH:mm:ss}} %p %c{{1}}: %m%n
"""


def log_dir(settings: Settings) -> Path:
    """Where Spark's JVM log and the failure log are kept: ``logs`` in the data directory."""
    return (settings.data_dir / "logs").resolve()


def _log4j(scratch: Path, logs: Path) -> Path:
    """A log4j2 configuration sending the JVM's warnings to a file, nothing to the terminal."""
    logs.mkdir(parents=True, exist_ok=True)
    path = scratch / "log4j2.properties"
    path.write_text(_LOG4J_PROPERTIES.format(path=logs / "spark-jvm.log"), encoding="utf-8")
    return path


def build_session(settings: Settings) -> SparkSession:
    """A quiet SparkSession configured from ``settings`` (``spark_config.spark_conf``).

    A failure to start (no Java, a master that does not answer, more memory than the machine
    has) is an ``EngineError`` naming the setting, never a Py4J traceback.
    """
    from pyspark.sql import SparkSession

    conf = spark_conf(settings)
    if not is_local(settings):
        executor_memory = cluster_executor_memory(settings, conf)
        if executor_memory:
            conf["spark.executor.memory"] = executor_memory
    scratch = scratch_dir(settings)
    scratch.mkdir(parents=True, exist_ok=True)
    java_options = f"-Dlog4j2.configurationFile={_log4j(scratch, log_dir(settings))}"
    conf["spark.driver.extraJavaOptions"] = " ".join(
        part for part in (java_options, conf.get("spark.driver.extraJavaOptions")) if part
    )
    builder = SparkSession.builder.master(settings.spark_master).appName("ringfence")
    for key, value in conf.items():
        builder = builder.config(key, value)
    # PySpark ships its Python workers' interpreter path from this variable, not from the conf.
    os.environ.setdefault("PYSPARK_PYTHON", conf["spark.pyspark.python"])
    if is_local(settings):
        # Local mode needs no network; binding to loopback also avoids a start-up warning.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        session = builder.getOrCreate()
    except Exception as exc:
        raise EngineError(
            "spark could not start: "
            + describe(exc, conf, settings.spark_master, log_dir(settings))
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    for name in _NOISY_PYSPARK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return session


class SparkEngine(Engine):
    """Runs pipelines on Apache Spark; DuckDB-dialect SQL is translated with sqlglot."""

    name = "spark"

    def __init__(self, settings: Settings, session: SparkSession | None = None) -> None:
        """Prepare the engine; the session is started on first use unless one is given.

        An injected session (e.g. one shared by a test run) is not stopped by ``close``; only
        the temporary views this engine registered are dropped.
        """
        self._settings = settings
        self._spark = session
        self._owns_session = False
        self._views: set[str] = set()
        self._kept: dict[str, Any] = {}  # materialized tables' frames, released when replaced

    @property
    def spark(self) -> SparkSession:
        """The Spark session, started on first use."""
        if self._spark is None:
            from pyspark.sql import SparkSession

            # Reuse the context already running in this process (starting another is not
            # allowed and would be slow), in a session of our own: temporary views are
            # per session, so two engines open at once (scoring opens one for the network
            # while its caller's binds the same names) never drop or shadow each other's.
            # Only a session we started ourselves is ours to stop.
            active = SparkSession.getActiveSession()
            self._owns_session = active is None
            self._spark = active.newSession() if active else build_session(self._settings)
        return self._spark

    def register_parquet(self, table: str, paths: list[Path]) -> None:
        """Bind ``table`` to a temporary view over the Parquet files (columns merged by name)."""
        if not paths:
            raise ValueError(f"no Parquet files for {table}")
        frame = self.spark.read.option("mergeSchema", "true").parquet(*[str(p) for p in paths])
        frame.createOrReplaceTempView(table)
        self._views.add(table)

    def register_arrow(self, table: str, data: pa.Table) -> None:
        """Bind ``table`` to an in-memory Arrow table (Spark 4 reads Arrow directly)."""
        self.spark.createDataFrame(data).createOrReplaceTempView(table)
        self._views.add(table)

    def translate(self, sql: str) -> str:
        """DuckDB-dialect SQL as Spark SQL; anything sqlglot cannot translate is an error.

        Raising instead of sqlglot's default warning keeps the engines from silently computing
        different things from the same pipeline.
        """
        try:
            statements = [
                tree.transform(_fix_day_of_week).transform(_drop_materialization).sql(
                    dialect="spark", unsupported_level=ErrorLevel.RAISE
                )
                for tree in sqlglot.parse(sql, read="duckdb")
                if tree is not None
            ]
        except SqlglotError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EngineError(
                f"spark cannot translate this query: {first}\n--- failing SQL ---\n{sql.strip()}"
            ) from exc
        if len(statements) != 1:
            raise EngineError(f"expected one SQL statement, got {len(statements)}:\n{sql}")
        return statements[0]

    def materialize(self, table: str, sql: str) -> None:
        """Compute the query on the executors and keep it there (a local checkpoint): the
        table's lineage is cut, so step k of an iteration does not recompute steps 1..k-1."""
        native = self.translate(sql)
        try:
            frame = self.spark.sql(native).localCheckpoint(eager=True)
        except Exception as exc:
            raise EngineError(self._failure(native, exc)) from exc
        frame.createOrReplaceTempView(table)
        self._views.add(table)
        previous = self._kept.pop(table, None)
        if previous is not None:
            previous.unpersist()
        self._kept[table] = frame

    def store(self, table: str, sql: str, folder: Path) -> None:
        """Keep the result on the executors (``materialize``), not in one Parquet file."""
        self.materialize(table, sql)

    def describe_failure(self, exc: BaseException) -> str:
        """One line naming the setting to change (memory, master, ...); the JVM's text logged."""
        return describe(
            exc, self._running_conf(), self._settings.spark_master, log_dir(self._settings)
        )

    def _running_conf(self) -> dict[str, str]:
        """The settings' Spark keys overlaid with the running session's, where it answers (a
        session handed in, as the tests' shared one, may have another driver memory)."""
        conf = spark_conf(self._settings)
        if self._spark is None:
            return conf
        try:
            return {**conf, **dict(self._spark.sparkContext.getConf().getAll())}
        except Exception:  # the JVM has stopped: the settings are all there is to say
            return conf

    def _execute(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def _copy_to_parquet(self, sql: str, path: Path) -> None:
        frame = self.spark.sql(sql)
        # Spark writes a folder of part files; one partition gives one part, which is moved to
        # ``path`` so the result looks exactly like DuckDB's single-file COPY.
        staging = Path(tempfile.mkdtemp(prefix=owned_name(".spark-", ""), dir=path.parent))
        try:
            out = staging / "out"
            frame.coalesce(1).write.mode("overwrite").parquet(str(out))
            parts = sorted(out.glob("part-*.parquet"))
            if parts:
                shutil.move(str(parts[0]), str(path))
            else:  # an empty result may leave no part file: write its schema, like DuckDB does
                pq.write_table(_empty_arrow(frame), path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _map_to_parquet(
        self, sql: str, function: BatchFunction, schema: pa.Schema, folder: Path
    ) -> list[Path]:
        """Apply ``function`` on the executors (``mapInPandas``); each task writes its part."""
        from pyspark.sql.pandas.types import from_arrow_schema

        mapped = _pandas_batches(function, schema)
        frame = self.spark.sql(sql).mapInPandas(mapped, from_arrow_schema(schema))
        staging = Path(tempfile.mkdtemp(prefix=owned_name(".spark-", ""), dir=folder))
        try:
            out = staging / "out"
            try:
                frame.write.mode("overwrite").option("compression", "zstd").parquet(str(out))
            except Exception as exc:
                error = _ringfence_error(exc)
                if error is None:
                    raise
                raise error from exc
            parts = []
            for i, part in enumerate(sorted(out.glob("part-*.parquet"))):
                parts.append(folder / f"part-{i:05d}.parquet")
                shutil.move(str(part), str(parts[-1]))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return parts

    def close(self) -> None:
        """Drop this engine's views, and stop the session if this engine started it."""
        if self._spark is None:
            return
        if self._owns_session:
            self._spark.stop()
        else:
            for frame in self._kept.values():
                frame.unpersist()
            for view in self._views:
                self._spark.catalog.dropTempView(view)
        self._views.clear()
        self._kept.clear()
        self._spark = None


def _spark_day_of_week(value: exp.Expression, iso: bool) -> exp.Expression:
    """DuckDB's day of week (Sunday 0 .. Saturday 6, or ISO Monday 1 .. Sunday 7) in Spark,
    whose DAYOFWEEK counts Sunday 1 .. Saturday 7."""
    spark_dow = exp.Anonymous(this="DAYOFWEEK", expressions=[value])
    if iso:  # Monday: (2 + 5) % 7 + 1 = 1; Sunday: (1 + 5) % 7 + 1 = 7
        shifted = exp.Mod(
            this=exp.Paren(this=exp.Add(this=spark_dow, expression=exp.Literal.number(5))),
            expression=exp.Literal.number(7),
        )
        return exp.Paren(this=exp.Add(this=shifted, expression=exp.Literal.number(1)))
    return exp.Paren(this=exp.Sub(this=spark_dow, expression=exp.Literal.number(1)))


_DOW_UNITS = {"DOW": False, "DAYOFWEEK": False, "WEEKDAY": False, "ISODOW": True}


def _drop_materialization(node: exp.Expression) -> exp.Expression:
    """Drop a CTE's ``[NOT] MATERIALIZED`` (DuckDB's memory hint, ``score.cte_hints``):
    Spark SQL has no such clause and plans its common subexpressions itself."""
    if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
        node.set("materialized", None)
    return node


def _fix_day_of_week(node: exp.Expression) -> exp.Expression:
    """Rewrite day-of-week expressions sqlglot (v30) passes to Spark unchanged, off by one.

    Spark numbers days from 1 where DuckDB numbers them from 0, so ``dayofweek(d)``,
    ``extract(dow FROM d)`` and ``date_part('dow', d)`` would silently differ between engines.
    """
    if isinstance(node, exp.DayOfWeek | exp.DayOfWeekIso):
        return _spark_day_of_week(node.this, iso=isinstance(node, exp.DayOfWeekIso))
    if isinstance(node, exp.Extract):
        unit = node.this.name.upper()
        if unit in _DOW_UNITS:
            return _spark_day_of_week(node.expression, iso=_DOW_UNITS[unit])
    if isinstance(node, exp.Anonymous) and node.name.lower() in {"date_part", "datepart"}:
        args = node.expressions
        if len(args) == 2 and isinstance(args[0], exp.Literal):
            unit = args[0].name.upper()
            if unit in _DOW_UNITS:
                return _spark_day_of_week(args[1], iso=_DOW_UNITS[unit])
    return node


# A Ringfence error raised by a mapped function on an executor travels back to the driver as
# text inside Spark's PythonException; these marks let the driver raise the same error again.
_ERROR_MARK = "<<ringfence-error>>"
_ERROR_TEXT = re.compile(re.escape(_ERROR_MARK) + r"(\w+)\|(.*?)" + re.escape(_ERROR_MARK), re.S)


def _pandas_batches(function: BatchFunction, schema: pa.Schema) -> Any:
    """``function`` over Arrow tables as the iterator of pandas frames ``mapInPandas`` wants."""

    def run(frames: Any) -> Any:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            try:
                result = function(table)
            except RingfenceError as exc:
                raise RuntimeError(f"{_ERROR_MARK}{type(exc).__name__}|{exc}{_ERROR_MARK}") from exc
            yield result.cast(schema).to_pandas()

    return run


def _ringfence_error(exc: BaseException) -> RingfenceError | None:
    """The Ringfence error a mapped function raised on an executor, rebuilt on the driver."""
    import ringfence.errors

    found = _ERROR_TEXT.search(str(exc))
    if found is None:
        return None
    cls = getattr(ringfence.errors, found.group(1), None)
    if not (isinstance(cls, type) and issubclass(cls, RingfenceError)):
        cls = RingfenceError
    return cls(found.group(2))


def _empty_arrow(frame: Any) -> pa.Table:
    return frame.limit(0).toArrow()
