"""The operational store on SQLite and PostgreSQL: migrations, organisations, runs, users, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from ringfence.errors import AuthError, ConflictError, NotFoundError, StoreError, UserError
from ringfence.settings import Settings
from ringfence.store.operational import OperationalStore
from ringfence.store.operational.database import head_revision

TABLES = {
    "organisations",
    "users",
    "api_keys",
    "ingest_runs",
    "decisions",
    "recorded_outcomes",
    "audit_log",
    "audit_head",
}


@pytest.fixture
def store(db_settings: Settings):
    with OperationalStore.open(db_settings) as opened:
        yield opened


def test_open_upgrades_an_empty_database_to_head(db_settings: Settings) -> None:
    with OperationalStore.open(db_settings) as store:
        assert store.current_revision() == head_revision() is not None
        assert set(inspect(store.engine).get_table_names()) >= TABLES
    with OperationalStore.open(db_settings) as again:  # re-opening is a no-op upgrade
        assert again.current_revision() == head_revision()


def test_open_without_upgrade_reports_an_empty_database(db_settings: Settings) -> None:
    with OperationalStore.open(db_settings, upgrade=False) as store:
        assert store.current_revision() is None


def test_default_store_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with OperationalStore.open(settings) as store:
        assert store.display_url.startswith("sqlite:///")
    assert (settings.data_dir / "ringfence.sqlite").is_file()


def test_ensure_organisation_is_idempotent(store: OperationalStore) -> None:
    store.ensure_organisation("acme", "Acme Brands", "brand")
    store.ensure_organisation("acme", "Another Name", "customs")
    store.ensure_organisation("port", kind="customs")
    orgs = {o.slug: o for o in store.organisations()}
    assert set(orgs) == {"acme", "port"}
    assert (orgs["acme"].name, orgs["acme"].kind) == ("Acme Brands", "brand")
    assert orgs["port"].name == "port"
    with pytest.raises(UserError, match="unknown organisation kind"):
        store.ensure_organisation("x", kind="pirate")


def _run(store: OperationalStore, organisation: str, file_name: str) -> int:
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return store.record_ingest_run(
        organisation=organisation,
        feed="shipments",
        file_name=file_name,
        file_sha256="ab" * 32,
        mapping="carrier.yaml",
        rows_read=10,
        accepted=7,
        quarantined=2,
        duplicates=1,
        started_at=start,
        finished_at=start + timedelta(seconds=3),
    )


def test_ingest_runs_are_recorded_and_listed(store: OperationalStore) -> None:
    store.ensure_organisation("acme")
    store.ensure_organisation("port", kind="customs")
    first = _run(store, "acme", "a.csv")
    second = _run(store, "port", "b.csv")
    assert second > first
    runs = store.ingest_runs()
    assert [r.file_name for r in runs] == ["a.csv", "b.csv"]
    assert (runs[0].rows_read, runs[0].accepted, runs[0].quarantined) == (10, 7, 2)
    # Both backends hand back the same aware UTC timestamps that went in.
    assert runs[0].started_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert runs[0].started_at.tzinfo is not None
    assert [r.id for r in store.ingest_runs("port")] == [second]
    with pytest.raises(NotFoundError, match="nowhere"):
        _run(store, "nowhere", "c.csv")


def test_users_store_a_password_hash_only(store: OperationalStore) -> None:
    store.ensure_organisation("acme", kind="brand")
    user_id = store.create_user(
        organisation="acme",
        email="ana@acme.test",
        display_name="Ana",
        role="brand_user",
        password="correct horse",
    )
    with store.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT password_hash FROM users WHERE id = :id"), {"id": user_id}
        ).scalar_one()
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert store.authenticate_password("ana@acme.test", "correct horse").id == user_id
    with pytest.raises(AuthError):
        store.authenticate_password("ana@acme.test", "wrong")
    with pytest.raises(ConflictError, match="already exists"):
        store.create_user(
            organisation="acme", email="ana@acme.test", display_name="Ana", role="analyst"
        )
    with pytest.raises(UserError, match="unknown role"):
        store.create_user(organisation="acme", email="b@acme.test", display_name="B", role="god")


def test_api_keys_authenticate_until_revoked(store: OperationalStore) -> None:
    store.ensure_organisation("port", kind="customs")
    user_id = store.create_user(
        organisation="port", email="o@port.test", display_name="O", role="officer"
    )
    user_key = store.create_api_key("port", user_id)
    org_key = store.create_api_key("port")
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT prefix, key_hash FROM api_keys")).all()
    assert all(user_key not in (prefix, key_hash) for prefix, key_hash in rows)
    assert store.authenticate_api_key(user_key) == ("port", user_id)
    assert store.authenticate_api_key(org_key) == ("port", None)
    store.revoke_api_key(user_key)
    with pytest.raises(AuthError, match="revoked"):
        store.authenticate_api_key(user_key)
    tampered = org_key[:-1] + ("A" if org_key[-1] != "A" else "B")
    for bad in (tampered, "not-a-key", ""):
        with pytest.raises(AuthError):
            store.authenticate_api_key(bad)
    with pytest.raises(NotFoundError):
        store.create_api_key("port", user_id + 100)


def test_unreachable_server_is_one_store_error_without_password(tmp_path) -> None:
    url = "postgresql+psycopg://ringfence:s3cret@127.0.0.1:1/nowhere"
    with pytest.raises(StoreError) as caught:
        OperationalStore.open(Settings(data_dir=tmp_path, database_url=url))
    message = caught.value.message
    assert "s3cret" not in message and "127.0.0.1:1/nowhere" in message
    assert "\n" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unusable_sqlite_location_is_a_store_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'sub' / 'db.sqlite'}"
    with pytest.raises(StoreError, match=r"db\.sqlite"):
        OperationalStore.open(Settings(data_dir=tmp_path, database_url=url))
