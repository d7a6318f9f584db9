"""Initial schema: sources, clusters, items (+ full-text index), bands, labels, quarantine, runs, users.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "sources",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("name", sa.String(500)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(40)),
        sa.Column("url", sa.Text),
        sa.Column("followers", sa.BigInteger),
        sa.Column("official", sa.Boolean, nullable=False),
        sa.Column("district", sa.String(120)),
        sa.Column("licence", sa.Text),
        sa.Column("tags", sa.JSON),
        sa.Column("extra", sa.JSON),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "clusters",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sources", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.DateTime),
        sa.Column("last_seen", sa.DateTime),
    )
    op.create_table(
        "items",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", sa.String(600), nullable=False, unique=True),
        sa.Column("source_id", Id, sa.ForeignKey("sources.id")),
        sa.Column("external_id", sa.String(500)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.String(500)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_norm", sa.Text, nullable=False),
        sa.Column("folded", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("minhash", sa.LargeBinary),
        sa.Column("cluster_id", sa.String(32), sa.ForeignKey("clusters.id")),
        sa.Column("published_at", sa.DateTime),
        sa.Column("collected_at", sa.DateTime, nullable=False),
        sa.Column("parent_id", sa.String(500)),
        sa.Column("lang", sa.String(10)),
        sa.Column("metrics", sa.JSON),
        sa.Column("followers", sa.BigInteger),
        sa.Column("extra", sa.JSON),
        sa.Column("schema_version", sa.Integer, nullable=False),
    )
    op.create_index("ix_items_published", "items", ["published_at"])
    op.create_index("ix_items_source_published", "items", ["source_id", "published_at"])
    op.create_index("ix_items_cluster", "items", ["cluster_id"])
    op.create_index("ix_items_hash", "items", ["content_hash"])
    op.create_index("ix_items_kind", "items", ["kind"])
    op.create_table(
        "item_bands",
        sa.Column("band_key", sa.BigInteger, nullable=False),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_item_bands_key", "item_bands", ["band_key"])
    op.create_table(
        "labels",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("task", sa.String(80), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("scores", sa.JSON),
        sa.Column("spans", sa.JSON),
        sa.Column("explanation", sa.JSON),
        sa.Column("model_version", sa.String(120)),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_labels_item", "labels", ["item_id"])
    op.create_index("ix_labels_task_label", "labels", ["task", "label"])
    op.create_table(
        "quarantine",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("line", sa.BigInteger),
        sa.Column("reason_code", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("raw_bytes", sa.BigInteger),
        sa.Column("raw_sha256", sa.String(64)),
        sa.Column("truncated", sa.Boolean, nullable=False),
        sa.Column("resolved", sa.Boolean, nullable=False),
    )
    op.create_index("ix_quarantine_created", "quarantine", ["created_at"])
    op.create_table(
        "ingest_runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("duplicate", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(120), nullable=False, unique=True),
        sa.Column("display_name", sa.String(300)),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("unit", sa.String(200)),
        sa.Column("password_hash", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )

    if dialect == "sqlite":
        # External-content FTS5 over the diacritic-folded text; rows are written by the store.
        op.execute(
            "CREATE VIRTUAL TABLE items_fts USING fts5("
            "folded, content='items', content_rowid='id', tokenize='unicode61')"
        )
    elif dialect == "postgresql":
        op.execute(
            "ALTER TABLE items ADD COLUMN folded_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED"
        )
        op.execute("CREATE INDEX ix_items_folded_tsv ON items USING gin (folded_tsv)")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_items_folded_trgm ON items USING gin (folded gin_trgm_ops)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS items_fts")
    for name in ("users", "ingest_runs", "quarantine", "labels", "item_bands", "items",
                 "clusters", "sources"):
        op.drop_table(name)
