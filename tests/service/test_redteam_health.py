"""Red team H1, as the attacker ran it on a PostgreSQL store: ``GET /healthz`` answers anyone,
with no credentials, and its ``store`` was the operational store's URL with only the password
hidden: ``postgresql+psycopg://ringfence:***@db.internal:5432/prod?options=-csearch_path=...``,
the database's host, port, user, database and schema, which R2 keeps out of every error answer
(in the server log only). The health check now names the kind of store (``postgresql``; a
SQLite file by name, as before) and still says whether it answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from ringfence.store.operational import OperationalStore

STORE_URL = (
    "postgresql+psycopg://ringfence:***@db.internal:5432/prod?options=-csearch_path%3Dtenant_7"
)
SECRETS = ("ringfence", "db.internal", "5432", "prod", "tenant_7", "search_path")


def test_health_names_the_store_kind_not_where_it_is(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = client.get("/healthz")
    assert real.status_code == 200 and real.json()["status"] == "ok"
    url = make_url(client.app.state.services.store.display_url)  # type: ignore[attr-defined]
    if url.get_backend_name() != "sqlite":  # this run's PostgreSQL store: its kind alone
        assert real.json()["store"] == url.get_backend_name(), real.text
        assert str(url.host) not in real.text and "search_path" not in real.text

    monkeypatch.setattr(OperationalStore, "display_url", property(lambda _: STORE_URL))
    health = client.get("/healthz")  # anonymous
    assert health.status_code == 200, health.text
    assert health.json()["store"] == "postgresql"
    assert not [s for s in SECRETS if s in health.text], health.text
