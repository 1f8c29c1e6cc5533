"""Connecting to the operational store, translating driver errors, running the migrations.

Every failure of the database reaches users as one ``StoreError`` line that names the URL (with the
password hidden), never as a driver traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url

from ringfence.errors import ConflictError, StoreError, UserError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
MIGRATION_LOCK = 0x52494E47  # PostgreSQL advisory-lock key held while migrating ("RING")
# Execution option of connections that only read (``read_only``): on SQLite they begin
# DEFERRED, so reads share the database instead of queueing for its write lock.
READ_ONLY = "ringfence_read_only"


def safe_url(url: str) -> str:
    """The URL as it may be shown to users: the password, if any, replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable database URL>"


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``; SQLite gets serialised writers and foreign keys."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise StoreError(f"invalid database URL {url!r}: {error}") from None
    if parsed.get_backend_name() != "sqlite":
        # A bounded connect timeout so an unreachable server fails fast instead of hanging.
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    _serialise_sqlite_writers(engine)
    return engine


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Make every SQLite transaction start with BEGIN IMMEDIATE.

    sqlite3 otherwise begins lazily at the first write, so two writers could both read the audit
    head and then fork the chain; IMMEDIATE takes the write lock up front (others wait up to the
    busy timeout). It also makes DDL transactional, so a failed migration leaves nothing behind.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a reader: shared lock, no wait for writers'
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Connection:
    """A connection for reads alone (use as a context manager).

    Hot-path reads (API keys, sharing agreements) run on every request: with BEGIN IMMEDIATE
    each took SQLite's write lock, so concurrent requests and server processes queued behind
    one another (and behind the busy timeout's sleeps). A read-only transaction begins
    DEFERRED and still sees one consistent snapshot.
    """
    return engine.connect().execution_options(**{READ_ONLY: True})


@contextmanager
def store_errors(url: str, doing: str) -> Iterator[None]:
    """Turn database errors raised inside the block into one-line Ringfence errors."""
    try:
        yield
    except exc.IntegrityError as error:
        raise ConflictError(f"{doing} conflicts with stored data: {_first_line(error)}") from None
    except (exc.SQLAlchemyError, OSError) as error:
        if "NUL (0x00)" in _first_line(error):  # PostgreSQL text cannot hold it; SQLite can
            raise UserError(f"{doing}: text cannot contain NUL characters (\\x00)") from None
        raise StoreError(
            f"operational store at {safe_url(url)}: {doing} failed: {_first_line(error)}"
        ) from None


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration built in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(engine: Engine, url: str, revision: str = "heads") -> None:
    """Migrate the database to ``revision`` (every newest head by default).

    Migrations of independent features may branch from one revision; ``heads`` applies them all.
    """
    config = alembic_config(engine)
    with store_errors(url, "upgrading the schema"), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Server processes starting together (--workers, several hosts) migrate one at a
            # time; the others then find the schema current. SQLite's BEGIN IMMEDIATE does this.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine, url: str) -> str | None:
    """The revisions the database is at (comma-separated heads), or None for an empty database."""
    with store_errors(url, "reading the schema revision"), engine.connect() as connection:
        return _joined(MigrationContext.configure(connection).get_current_heads())


def head_revision() -> str | None:
    """The newest revisions the installed code knows (comma-separated heads)."""
    return _joined(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def _joined(heads: Sequence[str]) -> str | None:
    return ",".join(sorted(heads)) or None
