"""Operations: inspection tasks, sharing agreements, browser sessions, background jobs.

Also links a recorded outcome to the inspection task it closes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

# Frozen copies of the allowed values at this revision (a later change needs a new revision).
TASK_STATUSES = ("open", "done", "cancelled")
SELECTION_KINDS = ("exploit", "explore")
JOB_STATUSES = ("queued", "running", "done", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _org_column(name: str = "organisation") -> sa.Column:
    return sa.Column(
        name, sa.String(64), sa.ForeignKey("organisations.slug"), nullable=False, index=True
    )


def upgrade() -> None:
    """Create the operations tables and the outcome → task link."""
    op.create_table(
        "inspection_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("target_date", sa.String(10), nullable=False, index=True),
        sa.Column("shipment_id", sa.String(200), nullable=False, index=True),
        sa.Column("port", sa.String(64), nullable=True),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("value_at_stake", sa.Float, nullable=True),
        sa.Column("expected_value", sa.Float, nullable=False),
        sa.Column("selected_by", sa.String(10), nullable=False),
        sa.Column("selection_probability", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.CheckConstraint(_one_of("status", TASK_STATUSES), name="status"),
        sa.CheckConstraint(_one_of("selected_by", SELECTION_KINDS), name="selected_by"),
        sa.UniqueConstraint(
            "organisation", "target_date", "shipment_id", name="uq_inspection_tasks_subject"
        ),
    )
    with op.batch_alter_table("recorded_outcomes") as batch:
        batch.add_column(sa.Column("task_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_recorded_outcomes_task_id_inspection_tasks",
            "inspection_tasks",
            ["task_id"],
            ["id"],
        )
    op.create_table(
        "sharing_agreements",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column("owner"),
        _org_column("recipient"),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("row_filter", sa.JSON, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        _org_column(),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        _org_column(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.CheckConstraint(_one_of("status", JOB_STATUSES), name="status"),
    )


def downgrade() -> None:
    """Drop what this revision created."""
    for table in ("jobs", "web_sessions", "sharing_agreements"):
        op.drop_table(table)
    with op.batch_alter_table("recorded_outcomes") as batch:
        batch.drop_constraint("fk_recorded_outcomes_task_id_inspection_tasks", type_="foreignkey")
        batch.drop_column("task_id")
    op.drop_table("inspection_tasks")
