"""Alembic environment: migrations run on the connection the operational store hands over.

There is no alembic.ini: ``ringfence.store.operational.database.upgrade`` builds the Alembic
``Config`` in code and puts an open connection in ``config.attributes["connection"]``, so the
migration runs with the store's own engine settings (SQLite locking, PostgreSQL search_path).
"""

from __future__ import annotations

from alembic import context

from ringfence.store.operational.tables import Base


def run_migrations_online() -> None:
    """Run the pending migrations on the connection the caller provided."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through `ringfence db upgrade` (OperationalStore.open), "
            "which provides the database connection"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables where needed.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
