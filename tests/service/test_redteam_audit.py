"""Red team F6, as the attacker ran it: sharing, outcome and task entries were appended to the
audit chain without the audit key, so on an untouched store ``chain_ok`` was false (real
tampering indistinguishable from normal operation) and exactly those entries were plain SHA-256,
recomputable by anyone who can write the database."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from ringfence.store.operational import OperationalStore
from tests.service.world import World

API = "/api/v1"


def test_security_writes_are_keyed_and_the_chain_verifies(
    scratch_client: TestClient, scratch_world: World
) -> None:
    world, client = scratch_world, scratch_client
    admin = world.headers("customs-nl", "admin")
    grant = client.post(
        f"{API}/sharing",
        json={"recipient": "swiftpost", "dataset": "outcomes", "fields": ["id"]},
        headers=admin,
    )
    assert grant.status_code == 201, grant.text
    revoked = client.delete(f"{API}/sharing/{grant.json()['id']}", headers=admin)
    assert revoked.status_code == 200, revoked.text
    task = world.tasks["customs-nl"][0]
    outcome = client.post(
        f"{API}/queue/{task}/outcome",
        json={"positive": False, "result": "clear"},
        headers=world.headers("customs-nl", "officer"),
    )
    assert outcome.status_code == 201, outcome.text

    with OperationalStore.open(world.settings) as store, store.engine.connect() as connection:
        unkeyed = connection.execute(
            text("SELECT action FROM audit_log WHERE key_id IS NULL ORDER BY seq")
        ).all()
        actions = {r[0] for r in connection.execute(text("SELECT action FROM audit_log")).all()}
    assert {"sharing.grant", "sharing.revoke", "outcome.record"} <= actions
    assert [r[0] for r in unkeyed] == []
    assert client.get(f"{API}/audit", headers=admin).json()["chain_ok"] is True
