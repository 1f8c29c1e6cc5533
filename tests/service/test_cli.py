"""The access commands: org, user, key and sharing, end to end on a fresh store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> str:
        result = runner.invoke(app, list(args), input=input)
        assert result.exit_code == 0, result.output
        return result.output

    invoke.runner = runner  # type: ignore[attr-defined]
    return invoke


def test_org_user_key_sharing_round_trip(run, settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("org", "create", "customs-x", "--kind", "customs", "--name", "Customs X")
    run("org", "create", "market-x", "--kind", "marketplace")
    assert "customs-x\tcustoms\tCustoms X" in run("org", "list")
    secret = tmp_path / "pw"
    secret.write_text("correct horse battery\n")
    run(
        "user",
        "create",
        "ann@x.test",
        "--org",
        "customs-x",
        "--role",
        "officer",
        "--password-file",
        str(secret),
    )
    run(
        "user",
        "create",
        "bob@x.test",
        "--org",
        "market-x",
        "--role",
        "admin",
        input="another password\nanother password\n",
    )
    assert "ann@x.test\tcustoms-x\tofficer" in run("user", "list")
    key = run("key", "create", "--org", "customs-x").strip()
    prefix = key.split("_")[1]
    assert f"{prefix}\tcustoms-x" in run("key", "list") and "live" in run("key", "list")
    granted = run(
        "sharing",
        "grant",
        "--from",
        "market-x",
        "--to",
        "customs-x",
        "--dataset",
        "watchlist",
        "--fields",
        "name,phone",
        "--filter",
        '{"brand": "Acme"}',
    )
    agreement = granted.split(":")[0].split()[-1]
    assert "watchlist\tname,phone where" in run("sharing", "list", "--org", "customs-x")
    run("sharing", "revoke", agreement)
    assert run("sharing", "list") == ""
    run("key", "revoke", key)
    with OperationalStore.open(settings) as store:
        assert store.authenticate_password("ann@x.test", "correct horse battery").role == "officer"
        with pytest.raises(Exception, match="revoked"):
            store.authenticate_api_key(key)
        actions = [e.action for e in store.audit_entries()]
        assert store.verify_audit().ok
    for action in (
        "org.create",
        "user.create",
        "key.create",
        "sharing.grant",
        "sharing.revoke",
        "key.revoke",
    ):
        assert action in actions


def test_mistakes_give_one_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run.runner.invoke(
        app, ["sharing", "grant", "--from", "a", "--to", "b", "--dataset", "nope"]
    )
    assert result.exit_code == 2 and "unknown dataset 'nope'" in result.output
    short = tmp_path / "pw"
    short.write_text("short")
    result = run.runner.invoke(
        app,
        [
            "user",
            "create",
            "c@x.test",
            "--org",
            "a",
            "--role",
            "admin",
            "--password-file",
            str(short),
        ],
    )
    assert result.exit_code == 2 and "at least 12" in result.output
    assert "Traceback" not in result.output
