"""Plans and their tasks, with dated progress reports (vimon.plans).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "plan_tasks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("plan", sa.String(60), nullable=False),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("unit", sa.String(200), nullable=False),
        sa.Column("indicator", sa.Text),
        sa.Column("target", sa.Float),
        sa.Column("due_on", sa.Date),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("plan", "code", name="uq_plan_tasks_plan_code"),
    )
    op.create_table(
        "plan_progress",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("task_id", Id, sa.ForeignKey("plan_tasks.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("reported_by", sa.String(120), nullable=False),
        sa.Column("reported_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_plan_progress_task", "plan_progress", ["task_id", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_plan_progress_task", table_name="plan_progress")
    op.drop_table("plan_progress")
    op.drop_table("plan_tasks")
