"""Workflow: accounts (sessions, API tokens, lockout), audit log, review flags, cases,
citizen reports and debunks.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TABLES = ("workflow_state", "report_debunks", "debunks", "flags", "report_bands", "reports", "attachments", "case_actions", "case_comments", "case_items", "cases", "audit_head", "audit_log", "api_tokens", "sessions")


def upgrade() -> None:
    op.add_column("users", sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
    op.add_column("users", sa.Column("locked_until", sa.DateTime))
    op.add_column("users", sa.Column("last_login_at", sa.DateTime))
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("ip", sa.String(64)),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(120), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_object", "audit_log", ["object_type", "object_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_id", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("unit", sa.String(200)),
        sa.Column("assignee", sa.String(120)),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime),
        sa.Column("outcome", sa.Text),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_unit", "cases", ["unit"])
    op.create_table(
        "case_items",
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_case_items_item", "case_items", ["item_id"])
    op.create_table(
        "case_comments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_case_comments_case", "case_comments", ["case_id"])
    op.create_table(
        "case_actions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("proposed_by", sa.String(120), nullable=False),
        sa.Column("proposed_at", sa.DateTime, nullable=False),
        sa.Column("decided_by", sa.String(120)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("due_at", sa.DateTime),
        sa.Column("outcome", sa.Text),
    )
    op.create_index("ix_case_actions_case", "case_actions", ["case_id"])
    op.create_table(
        "attachments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id", ondelete="CASCADE")),
        sa.Column("report_id", Id),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_attachments_report", "attachments", ["report_id"])
    op.create_index("ix_attachments_case", "attachments", ["case_id"])
    op.create_table(
        "reports",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ticket", sa.String(20), nullable=False, unique=True),
        sa.Column("url", sa.Text),
        sa.Column("url_key", sa.String(600)),
        sa.Column("text", sa.Text),
        sa.Column("folded", sa.Text),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("contact_enc", sa.Text),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("network", sa.String(64)),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id")),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("contact_purged_at", sa.DateTime),
    )
    op.create_index("ix_reports_case", "reports", ["case_id"])
    op.create_index("ix_reports_url_key", "reports", ["url_key"])
    op.create_table(
        "report_bands",
        sa.Column("band_key", sa.BigInteger, nullable=False),
        sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_report_bands_key", "report_bands", ["band_key"])
    op.create_table(
        "flags",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE")),
        sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("detail", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision", sa.JSON),
        sa.Column("decided_by", sa.String(120)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_flags_status", "flags", ["status"])
    op.create_index("ix_flags_item", "flags", ["item_id"])
    op.create_index("ix_flags_ref", "flags", ["kind", "ref"])
    op.create_table(
        "debunks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(200), nullable=False, unique=True),
        sa.Column("claim", sa.Text, nullable=False),
        sa.Column("claim_folded", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(40), nullable=False),
        sa.Column("correction", sa.Text, nullable=False),
        sa.Column("sources", sa.JSON),
        sa.Column("case_id", Id, sa.ForeignKey("cases.id")),
        sa.Column("published_by", sa.String(120), nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "report_debunks",
        sa.Column("report_id", Id, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("debunk_id", Id, sa.ForeignKey("debunks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("score", sa.Float),
    )
    op.create_table(
        "workflow_state",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
    with op.batch_alter_table("users") as batch:
        for col in ("last_login_at", "locked_until", "failed_logins"):
            batch.drop_column(col)
