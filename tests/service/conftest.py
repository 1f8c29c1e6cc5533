"""Fixtures of the service tests: one prepared world per session and store backend.

The lake (simulation, ingest, resolution, network risk, model) is built once; the operational
store is SQLite by default and a fresh PostgreSQL schema with ``RINGFENCE_TEST_DATABASE=postgres``,
like the shared ``settings`` fixture.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from ringfence.service.app import create_app
from ringfence.settings import Settings
from tests.service.world import World, build_lake, prepare_access


def _wants_postgres() -> bool:
    return os.environ.get("RINGFENCE_TEST_DATABASE", "sqlite").strip().lower() == "postgres"


@pytest.fixture(scope="session")
def built_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world's data directory (lake, models, and a SQLite store used while building)."""
    data_dir = tmp_path_factory.mktemp("service-world")
    build_lake(data_dir)
    return data_dir


def _database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the data directory's own SQLite store) or a fresh PostgreSQL schema."""
    if not _wants_postgres():
        yield None
        return
    admin = request.getfixturevalue("postgres_admin")
    schema = f"rf_service_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def world_database_url(request: pytest.FixtureRequest, built_lake: Path) -> Iterator[str | None]:
    """The operational store of the shared world."""
    yield from _database_url(request)


@pytest.fixture(scope="module")
def scratch_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, built_lake: Path
) -> Iterator[World]:
    """A private copy of the world (lake and store) for tests that write at random."""
    data_dir = tmp_path_factory.mktemp("scratch-world") / "data"
    shutil.copytree(built_lake, data_dir)
    for url in _database_url(request):
        yield prepare_access(Settings(data_dir=data_dir, database_url=url))


@pytest.fixture(scope="module")
def scratch_client(scratch_world: World) -> Iterator[TestClient]:
    """A client on an app over the module's private copy of the world (for tests that write)."""
    app: FastAPI = create_app(scratch_world.settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.services.jobs.shutdown()
    app.state.services.store.close()


@pytest.fixture(scope="session")
def world(
    tmp_path_factory: pytest.TempPathFactory, built_lake: Path, world_database_url: str | None
) -> World:
    """The prepared world: users and keys per organisation, agreements, queues, jobs.

    A copy of the built lake, so that what tests write here (cases, outcomes, agreements in
    its SQLite store) never reaches the scratch copies other modules take of the built lake,
    whichever order a worker runs them in."""
    data_dir = tmp_path_factory.mktemp("shared-world") / "data"
    shutil.copytree(built_lake, data_dir)
    return prepare_access(Settings(data_dir=data_dir, database_url=world_database_url))


@pytest.fixture(scope="session")
def app(world: World) -> Iterator[FastAPI]:
    """The service app over the world (one per session: indexes load once)."""
    application = create_app(world.settings)
    yield application
    application.state.services.jobs.shutdown()
    application.state.services.store.close()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A fresh client (no cookies) on the shared app; server errors are returned, not raised."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def body_text(response: Any) -> str:
    """The response body as text (for 'no foreign data' checks)."""
    return str(response.text)
