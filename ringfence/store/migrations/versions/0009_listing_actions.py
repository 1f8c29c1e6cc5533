"""Marketplace actions on listings and sellers (hold, take down, suspend) and the analyst queue.

Revision ID: 0009_listing_actions
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_listing_actions"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _organisation() -> sa.Column:
    return sa.Column("organisation", sa.String(64), sa.ForeignKey("organisations.slug"),
                     nullable=False, index=True)  # fmt: skip


def upgrade() -> None:
    """Create the listing action and listing review tables."""
    op.create_table(
        "listing_actions",
        sa.Column("id", sa.Integer, primary_key=True),
        _organisation(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("listing", sa.String(200), nullable=True, index=True),
        sa.Column("seller", sa.String(200), nullable=True, index=True),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("brand", sa.String(200), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("ended_by", sa.String(320), nullable=True),
        sa.Column("end_reason", sa.String(500), nullable=True),
    )
    op.create_table(
        "listing_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        _organisation(),
        sa.Column("review_date", sa.String(10), nullable=False, index=True),
        sa.Column("listing", sa.String(200), nullable=False),
        sa.Column("seller", sa.String(200), nullable=True),
        sa.Column("brand", sa.String(200), nullable=True),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("selected_by", sa.String(10), nullable=False),
        sa.Column("selection_probability", sa.Float, nullable=False),
        sa.Column("reasons", sa.String(2000), nullable=False),
        sa.Column("model_version", sa.String(120), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the listing tables (their history stays in the audit log)."""
    for table in ("listing_reviews", "listing_actions"):
        op.drop_table(table)
