"""Outcome changes and undo: who changed a recorded outcome, when and why; who withdrew it.

- ``recorded_outcomes.changed_at / changed_by / change_reason``: a correction of a recorded
  outcome (the previous values are in the audit log's ``outcome.change`` entry).
- ``recorded_outcomes.withdrawn_at / withdrawn_by``: an outcome its recorder undid within a few
  seconds; the row stays, out of every list, and its task is open again.

Revision ID: 0006_outcome_changes
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_outcome_changes"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the change and withdrawal columns (all nullable: existing outcomes stand as they are)."""
    op.add_column("recorded_outcomes", sa.Column("changed_at", TS, nullable=True))
    op.add_column("recorded_outcomes", sa.Column("changed_by", sa.String(320), nullable=True))
    op.add_column("recorded_outcomes", sa.Column("change_reason", sa.Text, nullable=True))
    op.add_column("recorded_outcomes", sa.Column("withdrawn_at", TS, nullable=True))
    op.add_column("recorded_outcomes", sa.Column("withdrawn_by", sa.String(320), nullable=True))


def downgrade() -> None:
    """Drop the columns (changes and withdrawals are still in the audit log)."""
    with op.batch_alter_table("recorded_outcomes") as batch:
        for column in ("withdrawn_by", "withdrawn_at", "change_reason", "changed_by", "changed_at"):
            batch.drop_column(column)
