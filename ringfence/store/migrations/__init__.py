"""Alembic migrations of the operational store, run from code by ``ringfence.store.operational``."""
