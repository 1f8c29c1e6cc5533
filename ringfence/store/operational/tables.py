"""The operational store's tables as SQLAlchemy 2 declarative models.

The models describe the schema for queries; the schema itself is created and changed only by the
Alembic migrations in ``ringfence/store/migrations`` (each migration is frozen, so later edits here
must come with a new migration).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ORGANISATION_KINDS = ("marketplace", "customs", "carrier", "ipcrime", "brand", "partner")
USER_ROLES = ("admin", "analyst", "officer", "investigator", "brand_user")
SUBJECT_KINDS = ("shipment", "seller", "listing")
DECISION_ACTIONS = ("inspect", "hold", "release", "takedown")
TASK_STATUSES = ("open", "done", "cancelled")
SELECTION_KINDS = ("exploit", "explore")
JOB_STATUSES = ("queued", "running", "done", "failed")

# Constraint names are fixed by convention so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only timezone the store writes)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database.

    SQLite has no timezone type and hands back naive values while PostgreSQL returns aware ones;
    normalising here gives callers the same values from both. Naive input is taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        # SQLite stores the text form; keep it offset-free so values sort and compare as text.
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every operational table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute as is
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
    }


def _org_fk() -> Mapped[str]:
    return mapped_column(String(64), ForeignKey("organisations.slug"), index=True)


class Organisation(Base):
    """A partner of the network: marketplace, customs, carrier, IP-crime unit, brand owner."""

    __tablename__ = "organisations"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person working for an organisation; the password hash is absent for key-only users."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """An API key: only a SHA-256 of the key and a short lookup prefix are stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class IngestRun(Base):
    """One file ingested into the lake, with its counts."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    feed: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    mapping: Mapped[str | None] = mapped_column(Text)
    rows_read: Mapped[int]
    accepted: Mapped[int]
    quarantined: Mapped[int]
    duplicates: Mapped[int]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    field_problems: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Values of accepted rows that did not clean (stored in the lake's ``field_problems``)."""


class Decision(Base):
    """A targeting decision on a shipment, seller or listing."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(200), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    selection_probability: Mapped[float | None] = mapped_column(Float)
    decided_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordedOutcome(Base):
    """What an inspection found, recorded by the organisation that inspected."""

    __tablename__ = "recorded_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    shipment_id: Mapped[str] = mapped_column(String(200), index=True)
    label: Mapped[str] = mapped_column(String(64))
    positive: Mapped[bool]
    result: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]
    recorded_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_tasks.id"))
    # A correction (who, when, why; the old values are in the audit log) and an undo.
    changed_at: Mapped[datetime | None]
    changed_by: Mapped[str | None] = mapped_column(String(320))
    change_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[str | None] = mapped_column(String(320))


class InspectionTask(Base):
    """One shipment picked for inspection on a date: the officer's queue item.

    ``selection_probability`` is the chance the selector had of picking it (1.0 for the exploited
    top of the ranking, below 1 for exploration draws); training weights labels by its inverse.
    An exploration pick also names its ``draw`` (one targeting run's draw at one date, or one
    port's) and ``draw_population``, how many shipments that draw chose from: self-normalised
    training weights need both (empty on exploited tasks and on tasks stored before).
    """

    __tablename__ = "inspection_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    target_date: Mapped[str] = mapped_column(String(10), index=True)
    shipment_id: Mapped[str] = mapped_column(String(200), index=True)
    port: Mapped[str | None] = mapped_column(String(64))
    rank: Mapped[int]
    label: Mapped[str] = mapped_column(String(64))
    probability: Mapped[float] = mapped_column(Float)
    value_at_stake: Mapped[float | None] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    selected_by: Mapped[str] = mapped_column(String(10))
    selection_probability: Mapped[float] = mapped_column(Float)
    draw: Mapped[str | None] = mapped_column(String(100))
    draw_population: Mapped[int | None]
    reasons: Mapped[dict[str, Any]]
    model_version: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class SharingAgreement(Base):
    """Owner lets recipient read ``fields`` of ``dataset`` (rows matching ``row_filter``)."""

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = _org_fk()
    recipient: Mapped[str] = _org_fk()
    dataset: Mapped[str] = mapped_column(String(64))
    fields: Mapped[list[str]] = mapped_column(JSON)
    row_filter: Mapped[dict[str, Any]]
    purpose: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """A browser login: only a SHA-256 of the cookie's token is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation: Mapped[str] = _org_fk()
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Job(Base):
    """A background job (e.g. an uploaded feed being ingested) with its progress and result."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    owner: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None]


class AuditLog(Base):
    """One entry of the hash-chained, append-only audit log."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))


class AuditHead(Base):
    """The one row naming the audit log's last entry, so removed tail entries are detected."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


class LoginFailure(Base):
    """A failed login, by account (normalised e-mail) and address, for throttling."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class BrandRegistration(Base):
    """An organisation's claim to a brand name (and aliases); it counts once approved.

    Approval (by an operator or an admin of a customs or IP-crime unit) stands for checked
    trademark ownership; a brand's seizure scope comes only from approved, unrevoked claims.
    """

    __tablename__ = "brand_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = _org_fk()
    brand: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(320))
    approved_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(320))
    revoked_at: Mapped[datetime | None]
