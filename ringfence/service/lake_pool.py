"""Open DuckDB engines over the lake, reused from request to request.

Opening a DuckDB connection and binding the lake's Parquet files took ~40 ms, far more than the
small queries views run on it (a few ms). ``LakePool.session`` lends an engine that stays open,
with lake datasets bound as views; a dataset is bound again whenever its part files changed,
so a borrower always reads the lake as it is now. Engines are lent to one borrower at a time
(a DuckDB connection is not for concurrent use) and only for plain lake views: code that binds
its own tables on an engine (``ownership``) opens its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ringfence.settings import Settings
from ringfence.store.engine import Engine, open_engine
from ringfence.store.lake import Lake

# Idle engines kept open; more borrowers at once open (and then close) their own.
IDLE_ENGINES = 4
Parts = tuple[tuple[str, int], ...]


@dataclass
class _Lent:
    engine: Engine
    bound: dict[str, Parts] = field(default_factory=dict)  # dataset → parts it is bound to


class LakePool:
    """Engines over one lake, each bound to the datasets asked of it so far."""

    def __init__(self, settings: Settings) -> None:
        """A pool over ``settings``' lake (engines open on first use)."""
        self.settings = settings
        self._idle: list[_Lent] = []
        self._lock = threading.Lock()

    @contextmanager
    def session(self, datasets: Sequence[str]) -> Iterator[tuple[Engine, dict[str, bool]]]:
        """An engine with ``datasets`` bound to their current parts, and which had data."""
        with self._lock:
            lent = self._idle.pop() if self._idle else None
        if lent is None:
            lent = _Lent(open_engine(self.settings))
        kept = False
        try:
            present = self._bind(lent, datasets)
            yield lent.engine, present
            kept = True
        finally:
            with self._lock:
                if kept and len(self._idle) < IDLE_ENGINES:
                    self._idle.append(lent)
                    lent = None
            if lent is not None:  # a failed borrower's engine is not lent again
                lent.engine.close()

    def _bind(self, lent: _Lent, datasets: Sequence[str]) -> dict[str, bool]:
        lake, present = Lake(self.settings), {}
        for name in datasets:
            parts = lake.parts(name)
            present[name] = bool(parts)
            stamp = _stamp(parts)
            if parts and lent.bound.get(name) != stamp:
                lent.engine.register_parquet(name, parts)
                lent.bound[name] = stamp
        return present

    def close(self) -> None:
        """Close every idle engine."""
        with self._lock:
            idle, self._idle = self._idle, []
        for lent in idle:
            lent.engine.close()


def _stamp(parts: list[Path]) -> Parts:
    """The part files with their modification times: a rewritten file counts as changed."""
    out = []
    for part in parts:
        try:
            out.append((str(part), part.stat().st_mtime_ns))
        except OSError:
            out.append((str(part), -1))
    return tuple(out)
