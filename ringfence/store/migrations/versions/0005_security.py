"""Security and reliability: job owners with heartbeats, keyed audit entries, login failures.

- ``jobs.owner`` / ``jobs.heartbeat_at``: which server process runs a job and when it last said
  so, so start-up recovery fails only jobs whose process is gone.
- ``audit_log.key_id``: which audit key (HMAC) an entry's hash was made with; NULL for entries
  written before the chain was keyed (plain SHA-256).
- ``login_failures``: failed logins by account and address, for throttling across processes.
- e-mails normalised (trimmed, lower-case) where that does not make two users collide.

Revision ID: 0005_security
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_security"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns and the table; normalise stored e-mails."""
    # Plain ADD COLUMN (no batch rebuild): rebuilding audit_log would drop its append-only
    # triggers on SQLite.
    op.add_column("jobs", sa.Column("owner", sa.String(200), nullable=True))
    op.add_column("jobs", sa.Column("heartbeat_at", TS, nullable=True))
    op.add_column("audit_log", sa.Column("key_id", sa.String(32), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account", sa.String(320), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False, index=True),
        sa.Column("at", TS, nullable=False, index=True),
    )
    op.execute(
        "UPDATE users SET email = lower(trim(email)) WHERE email <> lower(trim(email)) "
        "AND lower(trim(email)) NOT IN ("
        "SELECT lower(trim(email)) FROM users GROUP BY lower(trim(email)) HAVING count(*) > 1)"
    )


def downgrade() -> None:
    """Drop what this revision added (normalised e-mails stay normalised)."""
    op.drop_table("login_failures")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
    op.drop_column("audit_log", "key_id")
