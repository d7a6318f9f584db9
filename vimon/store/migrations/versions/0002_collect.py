"""Collectors: source registry fields, evidence snapshots, crawl queue, fetch state, health.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sources") as b:
        b.add_column(sa.Column("feed_urls", sa.JSON))
        b.add_column(sa.Column("owner", sa.String(500)))
        b.add_column(sa.Column("licence_scope", sa.String(20)))
        b.add_column(sa.Column("verified", sa.Boolean))
        b.add_column(sa.Column("ward", sa.String(120)))
        b.add_column(sa.Column("partner", sa.Boolean))
        b.add_column(sa.Column("crawl_interval", sa.Integer))
    op.create_table(
        "evidence",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id")),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("headers", sa.JSON),
        sa.Column("content_type", sa.String(200)),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("compression", sa.String(10), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("sha256", "url_hash", name="uq_evidence_sha_url"),
    )
    op.create_index("ix_evidence_source_time", "evidence", ["source_id", "fetched_at"])
    op.create_table(
        "evidence_links",
        sa.Column("evidence_id", Id, sa.ForeignKey("evidence.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(500), nullable=False),
        sa.UniqueConstraint("evidence_id", "source_key", "external_id", name="uq_evidence_link"),
    )
    op.create_index("ix_evidence_links_item", "evidence_links", ["source_key", "external_id"])
    op.create_table(
        "crawl_queue",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("hint", sa.JSON),
        sa.Column("last_error", sa.String(40)),
        sa.Column("discovered_at", sa.DateTime, nullable=False),
        sa.Column("done_at", sa.DateTime),
        sa.UniqueConstraint("source_id", "url_hash", name="uq_crawl_queue_url"),
    )
    op.create_index("ix_crawl_queue_pending", "crawl_queue", ["source_id", "status"])
    op.create_table(
        "fetch_state",
        sa.Column("source_id", Id, sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("cursor", sa.Text),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("source_id", "url_hash", name="pk_fetch_state"),
    )
    op.create_table(
        "collect_state",
        sa.Column("source_id", Id, sa.ForeignKey("sources.id"), primary_key=True),
        sa.Column("healthy", sa.Boolean, nullable=False),
        sa.Column("error_streak", sa.Integer, nullable=False),
        sa.Column("last_attempt_at", sa.DateTime),
        sa.Column("last_success_at", sa.DateTime),
        sa.Column("last_error_at", sa.DateTime),
        sa.Column("last_error_code", sa.String(40)),
        sa.Column("last_error", sa.Text),
        sa.Column("next_due_at", sa.DateTime),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", sa.DateTime),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("items_total", sa.BigInteger, nullable=False),
        sa.Column("last_run_items", sa.Integer, nullable=False),
    )
    op.create_table(
        "collect_events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id")),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_collect_events_at", "collect_events", ["at"])


def downgrade() -> None:
    for name in ("collect_events", "collect_state", "fetch_state", "crawl_queue",
                 "evidence_links", "evidence"):
        op.drop_table(name)
    with op.batch_alter_table("sources") as b:
        for col in ("crawl_interval", "partner", "ward", "verified", "licence_scope", "owner",
                    "feed_urls"):
            b.drop_column(col)
