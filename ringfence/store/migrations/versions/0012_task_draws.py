"""Inspection tasks record the exploration draw they came from and its population.

Revision ID: 0012_task_draws
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_task_draws"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``draw`` and ``draw_population`` (empty on tasks stored before)."""
    with op.batch_alter_table("inspection_tasks") as batch:
        batch.add_column(sa.Column("draw", sa.String(100), nullable=True))
        batch.add_column(sa.Column("draw_population", sa.Integer, nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("inspection_tasks") as batch:
        batch.drop_column("draw_population")
        batch.drop_column("draw")
