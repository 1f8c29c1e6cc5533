"""Shared fixtures: settings in a temporary data directory, operational store URLs for SQLite and
PostgreSQL, and analytics engines for DuckDB and Spark.

Services that may be absent on a laptop (the PostgreSQL server, Java for Spark) make their tests
skip with a visible reason; in CI (``CI=true``) or with ``RINGFENCE_REQUIRE_SERVICES=1`` they make
the tests fail instead, so a broken CI service can never pass silently.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ringfence.settings import Settings
from ringfence.store.engine import Engine

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``python3 dev.py test``), a folder of tests is one group that one
    worker runs whole, in collection order (``--dist loadgroup``): each worker runs a
    subsequence of the one-process order, so tests sharing a folder's session worlds meet in
    the order they always did."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        path = Path(str(item.path)).resolve()
        group = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else path.name
        item.add_marker(pytest.mark.xdist_group(group))


def services_required() -> bool:
    """Whether a missing service must fail the tests (CI, or asked for explicitly)."""
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    return ci or os.environ.get("RINGFENCE_REQUIRE_SERVICES", "").strip() == "1"


def missing_service(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when services are required."""
    if services_required():
        pytest.fail(
            f"{reason} (required because CI / RINGFENCE_REQUIRE_SERVICES is set)", pytrace=False
        )
    pytest.skip(reason)


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings with a fresh data directory and the operational store the run asks for.

    ``RINGFENCE_TEST_DATABASE=postgres`` (CI's second pass) puts every test that uses this
    fixture on a clean PostgreSQL schema; the default is a SQLite file in the data directory.
    """
    if os.environ.get("RINGFENCE_TEST_DATABASE", "sqlite").strip().lower() == "postgres":
        url = str(request.getfixturevalue("postgres_url"))
        return Settings(data_dir=tmp_path / "data", database_url=url)
    return Settings(data_dir=tmp_path / "data", database_url=None)


# -- operational store ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Any]:
    """An autocommit SQLAlchemy engine on the test PostgreSQL server (skip/fail if down)."""
    url = os.environ.get("RINGFENCE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    problem = None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        problem = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if problem is not None:  # reported outside the except block: no driver traceback attached
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        missing_service(f"PostgreSQL not reachable at {shown}: {problem}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Any) -> Iterator[str]:
    """A URL on the test server whose objects all live in a fresh schema, dropped afterwards.

    The schema is put first on ``search_path`` through libpq ``options`` in the URL, so code under
    test needs no knowledge of it and tests running side by side never see each other's tables.
    """
    schema = f"rf_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty operational store URL: a SQLite file, then a clean PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'operational.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db_settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings pointing at the parametrised (SQLite / PostgreSQL) operational store."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


# -- analytics engines ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local SparkSession for the whole run (start-up takes seconds; skip/fail if no Java)."""
    try:
        import pyspark  # noqa: F401 - only probing that it is installed
    except ImportError:
        missing_service("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing_service("Java is not installed (Spark needs a JVM; set JAVA_HOME)")
    from ringfence.store.engine.spark_engine import build_session

    data_dir = tmp_path_factory.mktemp("spark")
    # 4 GB, not the machine-derived default (half the memory): each pytest-xdist worker that
    # runs Spark tests holds a session of its own.
    session = build_session(Settings(data_dir=data_dir, engine="spark", spark_driver_memory="4g"))
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Engine]:
    """An analytics engine over the test's data directory: DuckDB, then Spark (shared session)."""
    if request.param == "duckdb":
        from ringfence.store.engine.duckdb_engine import DuckDBEngine

        built: Engine = DuckDBEngine(settings)
    else:
        from ringfence.store.engine.spark_engine import SparkEngine

        spark_settings = settings.model_copy(update={"engine": "spark"})
        built = SparkEngine(spark_settings, session=request.getfixturevalue("spark_session"))
    yield built
    built.close()
