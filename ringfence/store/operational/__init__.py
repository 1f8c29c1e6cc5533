"""The operational store: SQLAlchemy 2 models, Alembic migrations, organisations, runs and the audit log."""
