"""Fixtures of the ingest tests: fresh settings, the fixture files, a CLI runner, lake readers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from ringfence.cli import ingest_cmd
from ringfence.settings import Settings
from ringfence.store.lake import Lake

FIXTURES = Path(__file__).parent / "fixtures"
# The shared development data sits beside the checkout (../shared), in CI as on a developer's
# machine; RINGFENCE_SHARED_DIR points elsewhere.
SHARED_DIR = Path(
    os.environ.get("RINGFENCE_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared")
)
KCS_DIR = SHARED_DIR / "data" / "kcs"


@pytest.fixture
def ingest_settings(settings: Settings) -> Settings:
    """The run's settings (SQLite or PostgreSQL store) with small batches, to cross batch edges."""
    return settings.model_copy(update={"batch_rows": 1_000})


def read_dataset(settings: Settings, dataset: str) -> pa.Table:
    """Every committed row of a lake dataset (empty table if it has none)."""
    parts = Lake(settings).parts(dataset)
    if not parts:
        return pa.table({})
    return pa.concat_tables([pq.read_table(p) for p in parts], promote_options="default")


@pytest.fixture
def dataset() -> Callable[[Settings, str], pa.Table]:
    return read_dataset


@pytest.fixture
def cli(ingest_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Run ``ringfence`` commands of this package against ``ingest_settings``' data directory.

    The app holds only the ingest commands, so these tests do not depend on other command groups.
    """
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(ingest_settings.data_dir))
    monkeypatch.setenv("RINGFENCE_BATCH_ROWS", str(ingest_settings.batch_rows))
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main() -> None:
        """Test app."""

    ingest_cmd.register(app)
    runner = CliRunner()

    def invoke(*args: str) -> object:
        return runner.invoke(app, [str(a) for a in args])

    return invoke
