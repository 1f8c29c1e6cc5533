"""``OperationalStore``: the one object through which code reads and writes the operational store.

It holds organisations, users, API keys, ingest runs and the audit log, in a SQLite file by default
or in PostgreSQL when ``RINGFENCE_DATABASE_URL`` says so. Every method runs in its own transaction;
database failures surface as ``StoreError`` / ``ConflictError`` with one readable line.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import select, text

from ringfence.errors import AuthError, ConflictError, NotFoundError, UserError
from ringfence.settings import Settings
from ringfence.store.operational import audit as audit_chain
from ringfence.store.operational import database, hashing
from ringfence.store.operational.audit import AuditEntry, AuditReport
from ringfence.store.operational.audit_key import AuditKey, key_path, load_audit_key
from ringfence.store.operational.base import require_organisation
from ringfence.store.operational.brands import BrandStore
from ringfence.store.operational.cases import CaseStore
from ringfence.store.operational.codes import CodeStore
from ringfence.store.operational.complaints import ComplaintStore
from ringfence.store.operational.credentials import check_password, normalise_email
from ringfence.store.operational.jobs import JobStore
from ringfence.store.operational.listings import ListingStore
from ringfence.store.operational.sessions import SessionStore
from ringfence.store.operational.sharing import SharingStore
from ringfence.store.operational.tables import (
    ORGANISATION_KINDS,
    USER_ROLES,
    ApiKey,
    AuditLog,
    IngestRun,
    Organisation,
    User,
    utcnow,
)
from ringfence.store.operational.tasks import TaskStore


class OperationalStore(
    TaskStore,
    SharingStore,
    SessionStore,
    JobStore,
    BrandStore,
    CaseStore,
    CodeStore,
    ListingStore,
    ComplaintStore,
):
    """Organisations, users, keys, ingest runs and the audit log, behind one small API.

    Inspection tasks, sharing agreements, browser sessions and jobs live in the mixin modules
    beside this one; all share ``StoreBase``'s engine and transaction helper.
    """

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = True) -> OperationalStore:
        """Connect to the store named by ``settings`` and migrate it to the newest schema.

        Creates the data directory (and the SQLite file) if needed. Raises ``StoreError`` naming
        the URL (password hidden) if the database is unreachable or refuses the connection.
        """
        url = settings.resolved_database_url
        with database.store_errors(url, "opening"):  # e.g. the SQLite folder cannot be created
            engine = database.make_engine(url)
        try:
            with database.store_errors(url, "connecting"), engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            if upgrade:
                database.upgrade(engine, url)
        except Exception:
            engine.dispose()
            raise
        store = cls(engine, url)
        store.settings = settings
        return store

    @property
    def display_url(self) -> str:
        """The database URL with its password hidden."""
        return database.safe_url(self.url)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- schema -----------------------------------------------------------------------------

    def upgrade(self, revision: str = "heads") -> None:
        """Migrate the schema to ``revision``."""
        database.upgrade(self.engine, self.url, revision)

    def current_revision(self) -> str | None:
        """The schema revision the database is at."""
        return database.current_revision(self.engine, self.url)

    # -- organisations ----------------------------------------------------------------------

    def ensure_organisation(
        self, slug: str, name: str | None = None, kind: str = "partner"
    ) -> None:
        """Create the organisation unless it exists (an existing one is left unchanged)."""
        if kind not in ORGANISATION_KINDS:
            raise UserError(f"unknown organisation kind {kind!r}; use one of {ORGANISATION_KINDS}")
        try:
            with self._transaction(f"creating organisation {slug!r}") as session:
                if session.get(Organisation, slug) is None:
                    session.add(Organisation(slug=slug, name=name or slug, kind=kind))
        except ConflictError:
            # Another process created it between our read and our insert: that is success.
            with self._transaction(f"reading organisation {slug!r}") as session:
                if session.get(Organisation, slug) is None:
                    raise

    def organisations(self) -> list[Organisation]:
        """Every organisation, by slug."""
        with self._transaction("listing organisations") as session:
            return list(session.scalars(select(Organisation).order_by(Organisation.slug)))

    # -- ingest runs ------------------------------------------------------------------------

    def record_ingest_run(
        self,
        *,
        organisation: str,
        feed: str,
        file_name: str,
        file_sha256: str,
        mapping: str | Path | None,
        rows_read: int,
        accepted: int,
        quarantined: int,
        duplicates: int,
        started_at: datetime,
        finished_at: datetime,
        field_problems: int = 0,
    ) -> int:
        """Record one ingested file and return the run's id."""
        with self._transaction("recording an ingest run") as session:
            require_organisation(session, organisation)
            run = IngestRun(
                organisation=organisation,
                feed=feed,
                file_name=file_name,
                file_sha256=file_sha256,
                mapping=None if mapping is None else str(mapping),
                rows_read=rows_read,
                accepted=accepted,
                quarantined=quarantined,
                duplicates=duplicates,
                started_at=started_at,
                finished_at=finished_at,
                field_problems=field_problems,
            )
            session.add(run)
            session.flush()
            return run.id

    def ingest_runs(self, organisation: str | None = None) -> list[IngestRun]:
        """Ingest runs, oldest first, optionally of one organisation."""
        query = select(IngestRun).order_by(IngestRun.id)
        if organisation is not None:
            query = query.where(IngestRun.organisation == organisation)
        with self._transaction("listing ingest runs") as session:
            return list(session.scalars(query))

    # -- users and API keys -----------------------------------------------------------------

    def create_user(
        self,
        *,
        organisation: str,
        email: str,
        display_name: str,
        role: str,
        password: str | None = None,
    ) -> int:
        """Create a user (password stored as a salted scrypt hash) and return its id."""
        if role not in USER_ROLES:
            raise UserError(f"unknown role {role!r}; use one of {USER_ROLES}")
        email = normalise_email(email)
        if not email or len(email) > 320 or "@" not in email:
            raise UserError(f"{email!r} is not an e-mail address")
        if password is not None:
            check_password(password, email, self.password_min_length)
        password_hash = hashing.hash_password(password) if password is not None else None
        with self._transaction(f"creating user {email!r}") as session:
            require_organisation(session, organisation)
            if session.scalar(select(User.id).where(User.email == email)) is not None:
                raise ConflictError(f"a user with e-mail {email!r} already exists")
            user = User(
                organisation=organisation,
                email=email,
                display_name=display_name,
                role=role,
                password_hash=password_hash,
            )
            session.add(user)
            session.flush()
            return user.id

    def authenticate_password(self, email: str, password: str) -> User:
        """The user with this e-mail and password; ``AuthError`` otherwise.

        An unknown e-mail costs the same password check as a known one, so timing does not
        tell which e-mails have accounts.
        """
        email = normalise_email(email)
        with self._transaction("checking a password") as session:
            user = session.scalar(select(User).where(User.email == email))
        if user is None or user.password_hash is None:
            hashing.spend_password_check(password)
            raise AuthError("unknown e-mail or wrong password")
        if not hashing.verify_password(password, user.password_hash):
            raise AuthError("unknown e-mail or wrong password")
        return user

    def create_api_key(self, organisation: str, user_id: int | None = None) -> str:
        """Create an API key and return the clear key; it is shown once and never stored."""
        key, prefix = hashing.new_api_key()
        with self._transaction("creating an API key") as session:
            require_organisation(session, organisation)
            if user_id is not None:
                user = session.get(User, user_id)
                if user is None or user.organisation != organisation:
                    raise NotFoundError(f"no user {user_id} in organisation {organisation!r}")
            session.add(
                ApiKey(
                    organisation=organisation,
                    user_id=user_id,
                    prefix=prefix,
                    key_hash=hashing.hash_api_key(key),
                )
            )
        return key

    def authenticate_api_key(self, key: str) -> tuple[str, int | None]:
        """The (organisation slug, user id or None) a live key belongs to; ``AuthError`` else."""
        prefix = hashing.api_key_prefix(key)
        if prefix is None:
            raise AuthError("malformed API key")
        with self._transaction("checking an API key") as session:
            candidates = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).all()
        for candidate in candidates:
            if hashing.api_key_matches(key, candidate.key_hash):
                if candidate.revoked_at is not None:
                    raise AuthError("API key revoked")
                return candidate.organisation, candidate.user_id
        raise AuthError("unknown API key")

    def revoke_api_key(self, key: str) -> None:
        """Revoke a key (by its clear value); later authentication with it fails."""
        prefix = hashing.api_key_prefix(key) or ""
        with self._transaction("revoking an API key") as session:
            for candidate in session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)):
                if hashing.api_key_matches(key, candidate.key_hash):
                    candidate.revoked_at = candidate.revoked_at or utcnow()
                    return
        raise NotFoundError("unknown API key")

    # -- audit log --------------------------------------------------------------------------

    def audit_key(self) -> AuditKey | None:
        """The audit chain's HMAC key, from its file (created on first use); None if no settings."""
        if self._audit_key is None and self.settings is not None:
            self._audit_key = load_audit_key(key_path(self.settings), self._last_audit_seq)
        return self._audit_key

    def _last_audit_seq(self) -> int:
        with self._transaction("reading the audit head") as session:
            return int(audit_chain.anchor(session)["seq"])

    def audit(
        self, action: str, actor: str, organisation: str | None, detail: dict[str, Any]
    ) -> None:
        """Append an entry to the hash-chained audit log (keyed with the audit key)."""
        key = self.audit_key()
        with self._transaction(f"appending audit entry {action!r}") as session:
            audit_chain.append_entry(session, action, actor, organisation, detail, key)

    def verify_audit(
        self, anchor: dict[str, Any] | None = None, since: audit_chain.Verified | None = None
    ) -> AuditReport:
        """Recompute the audit chain; the report lists each altered, inserted or removed entry.

        With an ``anchor`` (from ``audit_anchor``, kept by a witness) the chain must also still
        hold the anchored entry with the anchored hash. With ``since`` (an earlier report's
        ``verified``) only the entries after it are recomputed (``audit.verify_chain``).
        """
        key = self.audit_key()
        with self._transaction("verifying the audit log") as session:
            report = audit_chain.verify_chain(session, key, since)
            if anchor is not None:
                audit_chain.check_anchor(session, anchor, report)
            return report

    def audit_anchor(self) -> dict[str, Any]:
        """The latest entry's sequence number, hash and time, for an outside witness to keep."""
        with self._transaction("reading the audit head") as session:
            return audit_chain.anchor(session)

    def audit_entries(self, limit: int | None = None) -> list[AuditEntry]:
        """The latest audit entries, newest first (all of them when ``limit`` is None)."""
        query = select(AuditLog).order_by(AuditLog.seq.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._transaction("reading the audit log") as session:
            return [audit_chain.to_entry(row) for row in session.scalars(query)]
