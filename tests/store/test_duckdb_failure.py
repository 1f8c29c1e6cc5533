"""A DuckDB query that runs out of memory says which setting to raise, in its first line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.errors import EngineError
from ringfence.settings import Settings
from ringfence.store.engine.duckdb_engine import DuckDBEngine


def test_out_of_memory_names_the_setting(tmp_path: Path) -> None:
    engine = DuckDBEngine(Settings(data_dir=tmp_path, duckdb_memory_limit="20MB"))
    try:
        with pytest.raises(EngineError) as caught:
            # a sort of 5M distinct strings cannot fit in 20 MB and cannot spill all of it
            engine.query(
                "SELECT list(s ORDER BY s) FROM (SELECT md5(i::VARCHAR) s FROM range(5000000) t(i))"
            )
    finally:
        engine.close()
    first = str(caught.value).splitlines()[0]
    assert "RINGFENCE_DUCKDB_MEMORY_LIMIT" in first
    assert "(now 20MB)" in first


def test_other_failures_stay_as_they_were(tmp_path: Path) -> None:
    engine = DuckDBEngine(Settings(data_dir=tmp_path))
    try:
        with pytest.raises(EngineError) as caught:
            engine.query("SELECT no_such_column FROM range(1)")
    finally:
        engine.close()
    first = str(caught.value).splitlines()[0]
    assert "no_such_column" in first
    assert "RINGFENCE_DUCKDB_MEMORY_LIMIT" not in first
