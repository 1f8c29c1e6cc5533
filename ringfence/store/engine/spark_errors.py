"""Spark and JVM failures as one line a user can act on, the whole story kept in a log file.

A failed Spark job reaches Python as a Py4J error whose text is a JVM stack trace hundreds of
lines long. ``describe`` keeps that text in ``DATA_DIR/logs/spark.log`` and returns one line:
what happened and, where a setting decides it, which ``RINGFENCE_`` variable to change and its
value now (an out-of-memory names the memory setting of the side that ran out).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ringfence.store.engine.spark_config import SETTING_OF

_OUT_OF_MEMORY = ("OutOfMemoryError", "Java heap space", "GC overhead limit exceeded")
_JVM_GONE = (
    "Answer from Java side is empty",
    "Java gateway process exited",
    "Connection refused",
    "Error while receiving",
    "Error while sending",
    "SparkContext was shut down",
    "Cannot call methods on a stopped SparkContext",
)
_MASTER_UNREACHABLE = ("All masters are unresponsive", "Failed to connect to master")
_NO_RESOURCES = ("Initial job has not accepted any resources",)
_DISK_FULL = ("No space left on device",)
# The driver builds every broadcast join table (adaptive execution builds several at once).
_BROADCAST = ("Not enough memory to build and broadcast the table",)
# A stage's input from an earlier stage is gone: the executor that wrote it died (most often of
# memory) or its scratch directory was removed (network risk on the 10M world, 2026-12-06).
_SHUFFLE_LOST = ("FetchFailedException", "Missing an output location for shuffle")
# A qualified JVM exception (``java.lang.OutOfMemoryError: Java heap space``) in a line.
_JVM_EXCEPTION = re.compile(r"\b((?:[a-z_$][\w$]*\.)+([A-Z][\w$]*(?:Exception|Error)))(?::\s*)?")


def log_failure(log_dir: Path, text: str) -> Path:
    """Append ``text`` to the Spark failure log in ``log_dir`` and return the log's path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "spark.log"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    with path.open("a", encoding="utf-8") as out:
        out.write(f"=== {stamp} UTC ===\n{text.rstrip()}\n\n")
    return path


def headline(text: str) -> str:
    """The JVM exception a Py4J error text is about, as ``Name: message``, shortened.

    The first line naming a qualified exception decides; when it wraps another (a stage
    failure "...: java.lang.OutOfMemoryError: Java heap space"), the innermost one is kept.
    A trace with ``Caused by:`` lines is about its last one, the root cause (an awaited
    broadcast: "Exception thrown in awaitResult", caused by the driver's memory). Text without
    a qualified exception (a Python error) gives its first line.
    """
    lines = text.splitlines()
    causes = [n for n, line in enumerate(lines) if line.startswith("Caused by: ")]
    if causes:
        lines = lines[causes[-1] :]
    for number, line in enumerate(lines):
        found = list(_JVM_EXCEPTION.finditer(line))
        if found:
            last = found[-1]
            message = line[last.end() :].strip()
            if message.endswith(":") and number + 1 < len(lines):  # the reason is on the next
                message = f"{message} {lines[number + 1].strip()}"
            return _shorten(f"{last.group(2)}: {message}" if message else last.group(2))
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return _shorten(first or "unknown failure")


def _shorten(line: str, limit: int = 240) -> str:
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _knob(conf: dict[str, str], key: str) -> str:
    return f"{SETTING_OF[key]} (now {conf.get(key, 'unset: Spark default')})"


def advice(text: str, conf: dict[str, str], master: str) -> str | None:
    """What to change for a failure whose cause a setting decides; None when none does."""
    local = master.strip().lower().startswith("local")
    if any(mark in text for mark in _OUT_OF_MEMORY):
        on_executor = not local and re.search(r"\bexecutor \d+\)|ExecutorLostFailure", text)
        key = "spark.executor.memory" if on_executor else "spark.driver.memory"
        side = "an executor" if on_executor else "the driver"
        return f"Spark ran out of memory on {side}: raise {_knob(conf, key)}"
    if any(mark in text for mark in _BROADCAST):
        return (
            "the Spark driver could not hold the join tables it broadcasts: raise "
            f"{_knob(conf, 'spark.driver.memory')}, or broadcast less: set "
            "spark.sql.adaptive.autoBroadcastJoinThreshold lower (now "
            f"{conf.get('spark.sql.adaptive.autoBroadcastJoinThreshold', 'unset')}; -1: never) "
            "in RINGFENCE_SPARK_CONF"
        )
    if any(mark in text for mark in _DISK_FULL):
        return f"Spark's scratch disk is full: point {_knob(conf, 'spark.local.dir')} elsewhere"
    if any(mark in text for mark in _MASTER_UNREACHABLE):
        return f"no Spark master answers: check RINGFENCE_SPARK_MASTER (now {master})"
    if any(mark in text for mark in _NO_RESOURCES):
        return (
            "the cluster has no worker with the memory and cores asked for: lower "
            f"{_knob(conf, 'spark.executor.memory')} or {_knob(conf, 'spark.executor.cores')}"
        )
    if any(mark in text for mark in _SHUFFLE_LOST):
        key = "spark.driver.memory" if local else "spark.executor.memory"
        return (
            "Spark lost a stage's shuffle files, most often because an executor died of memory "
            f"(else its scratch directory was removed): raise {_knob(conf, key)}, or check "
            f"{_knob(conf, 'spark.local.dir')}"
        )
    if any(mark in text for mark in _JVM_GONE):
        return (
            "the Spark JVM stopped (most often out of memory): raise "
            f"{_knob(conf, 'spark.driver.memory')}"
        )
    return None


def describe(exc: BaseException, conf: dict[str, str], master: str, log_dir: Path) -> str:
    """One line for a Spark failure, naming the setting to change; full text logged."""
    text = f"{type(exc).__name__}: {exc}"
    path = log_failure(log_dir, text)
    hint = advice(text, conf, master)
    cause = headline(str(exc))
    return f"{hint} ({cause}); full log: {path}" if hint else f"{cause}; full log: {path}"
