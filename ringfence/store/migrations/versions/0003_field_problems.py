"""Field problems: each ingest run records how many values of accepted rows did not clean.

- ``ingest_runs.field_problems``: the count of the run's field problems (the problems themselves
  are in the lake's ``field_problems`` dataset, beside the quarantine); 0 for earlier runs.

Revision ID: 0003_field_problems
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_field_problems"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the count, 0 for the runs recorded before field problems existed."""
    with op.batch_alter_table("ingest_runs") as batch:
        batch.add_column(
            sa.Column("field_problems", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop the count."""
    with op.batch_alter_table("ingest_runs") as batch:
        batch.drop_column("field_problems")
