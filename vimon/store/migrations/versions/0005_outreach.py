"""Outreach: impersonation flags, aggregator compliance findings, partner agreements,
communication campaigns and their official items.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "impersonation_flags",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("subject_type", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id", ondelete="CASCADE")),
        sa.Column("url", sa.Text),
        sa.Column("entity_key", sa.String(120), nullable=False),
        sa.Column("entity_name", sa.String(300), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON),
        sa.Column("tricks", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("subject_type", "subject", name="uq_impersonation_subject"),
    )
    op.create_table(
        "compliance_findings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE")),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(12), nullable=False),
        sa.Column("evidence", sa.JSON),
        sa.Column("published_at", sa.DateTime),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_compliance_source", "compliance_findings", ["source_id", "published_at"])
    op.create_index("ix_compliance_item", "compliance_findings", ["item_id"])
    op.create_table(
        "partner_agreements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact", sa.Text),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("topics", sa.JSON),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_partner_agreements_source", "partner_agreements", ["source_id"])
    op.create_table(
        "campaigns",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("goal", sa.Text),
        sa.Column("messages", sa.JSON),
        sa.Column("channels", sa.JSON),
        sa.Column("partners", sa.JSON),
        sa.Column("keywords", sa.JSON),
        sa.Column("kpis", sa.JSON),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "campaign_items",
        sa.Column("campaign_id", Id, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for name in ("campaign_items", "campaigns", "partner_agreements", "compliance_findings",
                 "impersonation_flags"):
        op.drop_table(name)
