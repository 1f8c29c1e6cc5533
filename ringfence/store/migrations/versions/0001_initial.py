"""Initial schema: organisations, users, API keys, ingest runs, decisions, outcomes, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64

TS = sa.DateTime(timezone=True)
_COUNTS = ("rows_read", "accepted", "quarantined", "duplicates")

# Frozen copies of the allowed values at this revision (a later change needs a new revision).
ORGANISATION_KINDS = ("marketplace", "customs", "carrier", "ipcrime", "brand", "partner")
USER_ROLES = ("admin", "analyst", "officer", "investigator", "brand_user")
SUBJECT_KINDS = ("shipment", "seller", "listing")
DECISION_ACTIONS = ("inspect", "hold", "release", "takedown")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _org_column() -> sa.Column:
    return sa.Column(
        "organisation",
        sa.String(64),
        sa.ForeignKey("organisations.slug"),
        nullable=False,
        index=True,
    )


def upgrade() -> None:
    """Create every table, seed the audit head and make the audit log append-only."""
    op.create_table(
        "organisations",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(_one_of("kind", ORGANISATION_KINDS), name="kind"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(_one_of("role", USER_ROLES), name="role"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("prefix", sa.String(16), nullable=False, index=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("feed", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("mapping", sa.Text, nullable=True),
        *(sa.Column(n, sa.Integer, nullable=False) for n in _COUNTS),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=False),
    )
    _create_decisions_and_outcomes()
    _create_audit_tables()
    _make_audit_append_only()


def _create_decisions_and_outcomes() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False, index=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("selection_probability", sa.Float, nullable=True),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(_one_of("subject_kind", SUBJECT_KINDS), name="subject_kind"),
        sa.CheckConstraint(_one_of("action", DECISION_ACTIONS), name="action"),
    )
    op.create_table(
        "recorded_outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("shipment_id", sa.String(200), nullable=False, index=True),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("positive", sa.Boolean, nullable=False),
        sa.Column("result", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def _create_audit_tables() -> None:
    # The organisation is deliberately not a foreign key: the audit log must accept any entry
    # (even about an organisation that failed to be created) and never be blocked by other tables.
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=True, index=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
    for table, verb in (("audit_log", "UPDATE"), ("audit_log", "DELETE"), ("audit_head", "DELETE"))
]

_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION ringfence_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
    END $$""",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION ringfence_refuse_change()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION ringfence_refuse_change()",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE OR TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION ringfence_refuse_change()",
]


def _make_audit_append_only() -> None:
    # Enforced by the database, not just the code, so a raw SQL session cannot quietly rewrite
    # history; verify_audit still detects tampering by someone who drops the triggers first.
    dialect = op.get_bind().dialect.name
    statements = _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything this revision created."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ringfence_refuse_change() CASCADE")
    for table in (
        "audit_head",
        "audit_log",
        "recorded_outcomes",
        "decisions",
        "ingest_runs",
        "api_keys",
        "users",
        "organisations",
    ):
        op.drop_table(table)
