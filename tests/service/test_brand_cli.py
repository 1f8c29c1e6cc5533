"""``ringfence brand``: register, approve, list, revoke — and what the policy then uses."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringfence.cli.main import app
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore


def test_brand_commands_decide_a_brands_names(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RINGFENCE_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("RINGFENCE_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, result.output
        return result.output

    run("org", "create", "brand-a", "--kind", "brand")
    run("org", "create", "brand-b", "--kind", "brand")
    out = run("brand", "register", "brand-a", "Acme", "--alias", "ACME Co", "--evidence", "EU 1")
    registration = int(out.split()[2].rstrip(":"))
    with OperationalStore.open(settings) as store:
        assert store.approved_brand_names("brand-a") == frozenset()  # pending: counts for nothing
    run("brand", "approve", str(registration))
    with OperationalStore.open(settings) as store:
        assert store.approved_brand_names("brand-a") == {"Acme", "ACME Co"}
    # Another brand claiming the name (even as an alias) is refused at approval.
    run("brand", "register", "brand-b", "Bolt", "--alias", "acme")
    assert "LOOK-ALIKE" in run("brand", "list")  # the operator is told before approving
    assert "already a registered brand of brand-a" in run("brand", "approve", "2", code=4)
    listed = json.loads(run("brand", "list", "--json"))
    statuses = [(r["brand"], r["status"]) for r in listed]
    assert statuses == [("Acme", "approved"), ("Bolt", "pending")]
    run("brand", "revoke", str(registration))
    assert "Acme" not in run("brand", "list")
    assert "revoked" in run("brand", "list", "--all")
    with OperationalStore.open(settings) as store:
        assert store.approved_brand_names("brand-a") == frozenset()
        actions = [e.action for e in store.audit_entries()]
        assert store.verify_audit().ok  # brand entries are keyed like every other
    assert {"brand.register", "brand.approve", "brand.revoke"} <= set(actions)
    run("brand", "approve", "99", code=3)  # unknown: one line, not-found exit code
