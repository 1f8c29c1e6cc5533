"""Brands' notices against listings: validity, decisions, self-service removals, counter-notices.

Revision ID: 0010_brand_complaints
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_brand_complaints"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _org(name: str) -> sa.Column:
    return sa.Column(name, sa.String(64), sa.ForeignKey("organisations.slug"), nullable=False,
                     index=True)  # fmt: skip


def upgrade() -> None:
    """Create the brand complaints table."""
    op.create_table(
        "brand_complaints",
        sa.Column("id", sa.Integer, primary_key=True),
        _org("organisation"),
        _org("marketplace"),
        sa.Column("listing", sa.String(200), nullable=False, index=True),
        sa.Column("seller", sa.String(200), nullable=True, index=True),
        sa.Column("brand", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("evidence_ref", sa.String(500), nullable=True),
        sa.Column("evidence_name", sa.String(200), nullable=True),
        sa.Column("evidence_sha256", sa.String(64), nullable=True),
        sa.Column("filed_by", sa.String(320), nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.String(2000), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by", sa.String(320), nullable=True),
        sa.Column("decision_reason", sa.String(500), nullable=True),
        sa.Column("self_service", sa.Boolean, nullable=False),
        sa.Column("action_id", sa.Integer, nullable=True),
        sa.Column("counter_notice", sa.String(2000), nullable=True),
        sa.Column("counter_at", TS, nullable=True),
        sa.Column("counter_by", sa.String(320), nullable=True),
        sa.Column("reinstated_at", TS, nullable=True),
    )


def downgrade() -> None:
    """Drop the brand complaints table (its history stays in the audit log)."""
    op.drop_table("brand_complaints")
