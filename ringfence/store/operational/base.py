"""What every part of the operational store shares: the engine, its sessions, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ringfence.errors import NotFoundError
from ringfence.settings import Settings
from ringfence.store.operational import database
from ringfence.store.operational.audit_key import AuditKey, key_path, load_audit_key
from ringfence.store.operational.tables import Organisation


class StoreBase:
    """The engine and transaction helper the store's mixins (tasks, sharing, ...) build on."""

    settings: Settings | None = None
    """The settings the store was opened with (password policy, audit key); None in bare use."""
    _audit_key: AuditKey | None = None

    def __init__(self, engine: Engine, url: str) -> None:
        """Wrap an engine whose database is already migrated; use ``OperationalStore.open``."""
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[Session]:
        with database.store_errors(self.url, doing), self._sessions.begin() as session:
            # Every audit entry appended in this transaction, by any part of the store, is keyed.
            session.info["audit_key_for"] = self._audit_key_for
            yield session

    def _audit_key_for(self, last_seq: int) -> AuditKey | None:
        """The audit key (None without settings); if it must be created, entries up to
        ``last_seq`` are recorded as written before the chain was keyed."""
        if self._audit_key is None and self.settings is not None:
            self._audit_key = load_audit_key(key_path(self.settings), lambda: last_seq)
        return self._audit_key


def require_organisation(session: Session, slug: str) -> Organisation:
    """The organisation ``slug``; ``NotFoundError`` if it does not exist."""
    organisation = session.get(Organisation, slug)
    if organisation is None:
        raise NotFoundError(f"unknown organisation {slug!r}; create it first")
    return organisation
