"""Spark's configuration from the one ``Settings``: defaults sized from this machine, the
user's memory, cores and partitions, and any further ``RINGFENCE_SPARK_CONF`` pairs.

Kept apart from the engine so that what a session will be started with can be shown (and
named in error messages) without starting one.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from ringfence.errors import SettingsError
from ringfence.settings import Settings

# Always set: quiet, no UI, UTC like DuckDB, Arrow transfers, no Hive metastore in the cwd.
BASE_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "true",
    # Broadcast a join's side only once adaptive execution has measured it, never on the
    # planner's estimate: a scan of three of a Parquet table's forty columns is estimated at a
    # fraction of its size, so a million shipments' rows per history key (``bk_<key>``) were
    # planned as broadcasts, and the training query on the simulator's 1M shipments ran the
    # cluster's 2g driver (and, given 4g, its 1g executors) out of memory (docs/scale.md,
    # 2026-12-06). Measured sides up to Spark's usual 10 MB are still broadcast.
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    "spark.sql.adaptive.autoBroadcastJoinThreshold": "10MB",
    # Each broadcast join table is built in memory pages and the driver keeps it until the
    # cleaner drops it after a garbage collection. The default page grows with the heap (64 MB
    # at 4g), so the training query's dozens of small tables (out-of-fold counts) held 2.2 GB
    # of a 4g driver on a 300-shipment world, and CI's Spark test ran the driver out of memory
    # building them (2026-12-06). At 4 MB they hold 0.76 GB there and the query is no slower
    # (40.6 s against 46.9 s); a record larger than a page still gets a page of its own.
    "spark.buffer.pageSize": "4m",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.log.level": "ERROR",
}

# Which setting to change for each Spark key that a failure may be about.
SETTING_OF = {
    "spark.driver.memory": "RINGFENCE_SPARK_DRIVER_MEMORY",
    "spark.executor.memory": "RINGFENCE_SPARK_EXECUTOR_MEMORY",
    "spark.executor.cores": "RINGFENCE_SPARK_EXECUTOR_CORES",
    "spark.cores.max": "RINGFENCE_SPARK_CORES_MAX",
    "spark.sql.shuffle.partitions": "RINGFENCE_SPARK_SHUFFLE_PARTITIONS",
    "spark.local.dir": "RINGFENCE_SPARK_SCRATCH_DIR",
}

_MAX_LOCAL_DRIVER_GB = 32
_PAIR = re.compile(r"^\s*(spark\.[A-Za-z0-9_.\-]+)\s*(?:=|\s)\s*(.*?)\s*$")


def is_local(settings: Settings) -> bool:
    """Whether the master runs everything in this process (``local``, ``local[N]``, ...)."""
    return settings.spark_master.strip().lower().startswith("local")


def machine_memory_bytes() -> int:
    """Physical memory of this machine (0 where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def local_cores(settings: Settings) -> int:
    """Cores a local master uses: N of ``local[N]``, else all of this machine's."""
    found = re.match(r"local\[(\d+)", settings.spark_master.strip())
    return int(found.group(1)) if found else (os.cpu_count() or 1)


def default_driver_memory(settings: Settings) -> str:
    """Half the machine's memory in local mode (at least 1g, at most 32g); 2g on a cluster."""
    if not is_local(settings):
        return "2g"
    gigabytes = machine_memory_bytes() // (2 * 1024**3)
    return f"{max(1, min(_MAX_LOCAL_DRIVER_GB, gigabytes))}g"


def default_shuffle_partitions(settings: Settings) -> int:
    """Two per local core (at least 4), three per core given a cluster's cores, else 64."""
    if is_local(settings):
        return max(4, 2 * local_cores(settings))
    if settings.spark_cores_max:
        return max(4, 3 * settings.spark_cores_max)
    return 64


def scratch_dir(settings: Settings) -> Path:
    """Spark's scratch and checkpoint folder."""
    return (settings.spark_scratch_dir or settings.data_dir / "tmp" / "spark").resolve()


def extra_conf(settings: Settings) -> dict[str, str]:
    """``RINGFENCE_SPARK_CONF``: inline ``key=value`` pairs (``;`` or new lines) or a file."""
    raw = settings.spark_conf
    if not raw or not raw.strip():
        return {}
    source = "RINGFENCE_SPARK_CONF"
    candidate = Path(raw.strip()).expanduser()
    if "=" not in raw and candidate.is_file():
        if candidate.stat().st_size > 1 << 20:
            raise SettingsError(f"{source}: {candidate.name} is over 1 MiB")
        raw, source = candidate.read_text(encoding="utf-8"), f"{source} file {candidate.name}"
    try:
        return parse_pairs(raw, f"{source}, entry")
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def parse_pairs(text: str, source: str) -> dict[str, str]:
    """``spark.key=value`` (or ``spark.key value``) entries, separated by ``;`` or new lines."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(re.split(r"[;\n]", text), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        found = _PAIR.match(line)
        if found is None:
            shown = line.strip()[:60]
            raise ValueError(f"{source} {number}: {shown!r} is not 'spark.<key>=<value>'")
        pairs[found.group(1)] = found.group(2)
    return pairs


def spark_conf(settings: Settings) -> dict[str, str]:
    """Every Spark key a session is started with: base, sizing (setting or default), extra.

    The extra pairs come last, so a user can override anything, knowingly.
    """
    scratch = scratch_dir(settings)
    conf = dict(BASE_CONFIG)
    conf["spark.driver.memory"] = settings.spark_driver_memory or default_driver_memory(settings)
    conf["spark.sql.shuffle.partitions"] = str(
        settings.spark_shuffle_partitions or default_shuffle_partitions(settings)
    )
    # Python workers (mapInPandas, UDFs) run this interpreter, with the locked packages; on a
    # cluster of other machines, name theirs with spark.pyspark.python in RINGFENCE_SPARK_CONF.
    conf["spark.pyspark.python"] = sys.executable
    conf["spark.local.dir"] = str(scratch)
    conf["spark.sql.warehouse.dir"] = str(scratch / "warehouse")
    optional = {
        "spark.executor.memory": settings.spark_executor_memory,
        "spark.executor.cores": settings.spark_executor_cores,
        "spark.cores.max": settings.spark_cores_max,
    }
    conf.update({key: str(value) for key, value in optional.items() if value is not None})
    conf.update(extra_conf(settings))
    return conf
