"""Brand registrations: which brand names (and aliases) an organisation owns, as approved.

A brand's scope ("seizures of its own goods") comes from these admin-approved registrations
(trademark ownership), never from the brand's own ``brands`` feed.

Revision ID: 0004_brand_registrations
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_brand_registrations"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the brand registrations table."""
    op.create_table(
        "brand_registrations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organisation",
            sa.String(64),
            sa.ForeignKey("organisations.slug"),
            nullable=False,
            index=True,
        ),
        sa.Column("brand", sa.String(200), nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(320), nullable=False),
        sa.Column("requested_at", TS, nullable=False),
        sa.Column("approved_by", sa.String(320), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("revoked_by", sa.String(320), nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
    )


def downgrade() -> None:
    """Drop the brand registrations table."""
    op.drop_table("brand_registrations")
