"""``ringfence db`` and ``ringfence audit`` commands against a store in a temporary folder."""

from __future__ import annotations

import json

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from ringfence.cli import db_cmd
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.database import head_revision


@pytest.fixture
def app() -> typer.Typer:
    # Only this module's commands: the test does not depend on other command groups importing.
    app = typer.Typer()
    db_cmd.register(app)
    return app


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("RINGFENCE_DATABASE_URL", raising=False)
    # The commands read the environment, which names only the data directory: the default
    # SQLite store (the store itself is tested on both databases in test_operational.py).
    return Settings(data_dir=settings.data_dir)


def test_upgrade_then_current(app: typer.Typer, cli_env: Settings) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert head_revision() in result.output
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and "ringfence.sqlite" in result.output


def test_audit_verify_and_list(app: typer.Typer, cli_env: Settings) -> None:
    with OperationalStore.open(cli_env) as store:
        for i in range(3):
            store.audit("test.action", "tester", None, {"i": i})
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and "intact: 3 entries" in result.output
    result = runner.invoke(app, ["audit", "list", "--limit", "2", "--json"])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [entry["seq"] for entry in lines] == [3, 2] and lines[0]["detail"] == {"i": 2}
    with OperationalStore.open(cli_env) as store, store.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 2: altered" in result.output
