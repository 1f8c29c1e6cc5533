"""Analytics engines behind one interface; ``open_engine`` picks the one settings name."""

from __future__ import annotations

from ringfence.settings import Settings
from ringfence.store.engine.base import Engine


def open_engine(settings: Settings) -> Engine:
    """Open the analytics engine named by ``settings.engine``."""
    if settings.engine == "spark":
        from ringfence.store.engine.spark_engine import SparkEngine  # heavy import, only if used

        return SparkEngine(settings)
    from ringfence.store.engine.duckdb_engine import DuckDBEngine

    return DuckDBEngine(settings)


__all__ = ["Engine", "open_engine"]
