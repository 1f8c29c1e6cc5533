"""Cases: investigations with their items, notes and evidence (custody is on the audit chain).

Revision ID: 0007_cases
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_cases"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _case_fk() -> sa.Column:
    return sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id"), nullable=False,
                     index=True)


def upgrade() -> None:
    """Create the case tables."""
    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("organisation", sa.String(64), sa.ForeignKey("organisations.slug"),
                  nullable=False, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(320), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer, primary_key=True),
        _case_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("added_by", sa.String(320), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.UniqueConstraint("case_id", "kind", "ref"),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        _case_fk(),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(320), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "case_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        _case_fk(),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("added_by", sa.String(320), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("custodian", sa.String(320), nullable=False),
    )


def downgrade() -> None:
    """Drop the case tables (their history stays in the audit log)."""
    for table in ("case_evidence", "case_notes", "case_items", "cases"):
        op.drop_table(table)
