"""Watched entities and what links to them (alerts when something new does).

Revision ID: 0011_watches
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_watches"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the watch tables."""
    op.create_table(
        "entity_watches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation", sa.String(64), sa.ForeignKey("organisations.slug"),
                  nullable=False, index=True),
        sa.Column("entity_id", sa.String(64), nullable=False, index=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("watched_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("checked_at", TS, nullable=True),
        sa.UniqueConstraint("organisation", "entity_id"),
    )  # fmt: skip
    op.create_table(
        "watch_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("watch_id", sa.Integer, sa.ForeignKey("entity_watches.id"), nullable=False,
                  index=True),
        sa.Column("organisation", sa.String(64), nullable=False, index=True),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("alert", sa.Boolean, nullable=False),
        sa.Column("found_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.Column("read_by", sa.String(320), nullable=True),
        sa.UniqueConstraint("watch_id", "kind", "ref"),
    )  # fmt: skip


def downgrade() -> None:
    """Drop the watch tables (their history stays in the audit log)."""
    for table in ("watch_links", "entity_watches"):
        op.drop_table(table)
