"""Signed unit codes: brands' registered public keys and scans by customs, carriers, marketplaces.

Revision ID: 0008_code_scans
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_code_scans"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _organisation() -> sa.Column:
    return sa.Column("organisation", sa.String(64), sa.ForeignKey("organisations.slug"),
                     nullable=False, index=True)  # fmt: skip


def upgrade() -> None:
    """Create the code key and code scan tables."""
    op.create_table(
        "code_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        _organisation(),
        sa.Column("brand", sa.String(200), nullable=False, index=True),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("gtins", sa.JSON, nullable=True),
        sa.Column("registered_by", sa.String(320), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "code_scans",
        sa.Column("id", sa.Integer, primary_key=True),
        _organisation(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("code", sa.String(260), nullable=False),
        sa.Column("valid", sa.Boolean, nullable=False),
        sa.Column("brand", sa.String(200), nullable=True),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("serial", sa.String(16), nullable=True),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("scanned_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(320), nullable=False),
        sa.Index("ix_code_scans_unit", "brand", "gtin", "serial"),
    )


def downgrade() -> None:
    """Drop the code tables (their history stays in the audit log)."""
    for table in ("code_scans", "code_keys"):
        op.drop_table(table)
