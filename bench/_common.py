"""Helpers shared by the benchmark scripts: timed child processes with their peak memory."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_measured(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command in a child process; return wall seconds, CPU seconds (user + system of the
    process and its children, not of other JVMs such as a Spark cluster's), peak RSS (MiB) and
    stdout.

    Each measurement gets its own process so that peak memory belongs to that step alone.
    """
    script = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss, cpu = use.ru_maxrss / 1024, use.ru_utime + use.ru_stime\n"
        "print(json.dumps({'seconds': dt, 'peak_rss_mib': rss, 'cpu_seconds': cpu,"
        " 'rc': p.returncode,"
        " 'stdout': p.stdout, 'stderr': p.stderr}))\n"
    )
    full_env = {**os.environ, **(env or {})}
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=full_env
    )
    result: dict[str, Any] = json.loads(out.stdout)
    if result["rc"] != 0:
        # the first line says why (errors are one line first); the tail shows where it ended
        err = result["stderr"]
        shown = err if len(err) <= 2500 else f"{err[:500]}\n[...]\n{err[-2000:]}"
        raise SystemExit(f"benchmark step failed: {' '.join(args)}\n{shown}")
    return result


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "self_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


class ProcessSampler:
    """Peak resident memory of other processes while a step runs: every ``interval`` seconds the
    processes whose command line holds ``marker`` (e.g. a Spark cluster's executor JVMs, which
    are the worker's children, not the step's) are found in /proc and their RSS summed; the
    largest sum is the peak (MiB). Linux only; elsewhere the peak stays 0."""

    def __init__(self, marker: str, interval: float = 1.0) -> None:
        self.marker, self.interval = marker.encode(), interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self.peak_mib = max(self.peak_mib, self.sample_mib())
            if self._stop.wait(self.interval):
                return

    def sample_mib(self) -> float:
        """The RSS of every matching process now, summed (MiB)."""
        total = 0
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if self.marker not in (entry / "cmdline").read_bytes():
                    continue
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except (OSError, ValueError):
                continue  # the process ended meanwhile
        return total / 1024
