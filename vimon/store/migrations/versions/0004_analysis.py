"""Analysis: item facets and stats, hourly/daily rollups, watchlists, alerts; PostgreSQL
full-text column re-tokenised like SQLite FTS5 so both databases find the same items.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "item_tags",
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "kind", "key"),
    )
    op.create_index("ix_item_tags_kind_key", "item_tags", ["kind", "key", "item_id"])
    op.create_table(
        "item_stats",
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("source_id", Id),
        sa.Column("reach", sa.BigInteger, nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("sentiment", sa.String(10)),
    )
    op.create_index("ix_item_stats_at", "item_stats", ["at"])
    op.create_index("ix_item_stats_reach", "item_stats", ["reach"])
    op.create_index("ix_item_stats_risk", "item_stats", ["risk"])
    op.create_table(
        "rollups",
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("dim", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("bucket", sa.DateTime, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("pos", sa.Integer, nullable=False),
        sa.Column("neg", sa.Integer, nullable=False),
        sa.Column("neu", sa.Integer, nullable=False),
        sa.Column("reach", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("grain", "dim", "key", "bucket"),
    )
    op.create_table(
        "watchlists",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("entities", sa.JSON),
        sa.Column("exact", sa.Boolean, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("alert", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(120)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("dedupe_key", sa.String(300), nullable=False, unique=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("detail", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("deliveries", sa.JSON),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_alerts_created", "alerts", ["created_at"])
    op.create_table(
        "analysis_state",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    if dialect == "postgresql":
        # The 'simple' parser keeps "covid-19", "15.000" or e-mail addresses as special tokens
        # where FTS5's unicode61 splits them at every non-alphanumeric character; phrase and
        # NEAR queries then disagree between the two databases. Tokenise the same way here.
        op.execute("DROP INDEX IF EXISTS ix_items_folded_tsv")
        op.execute("ALTER TABLE items DROP COLUMN IF EXISTS folded_tsv")
        op.execute(
            "ALTER TABLE items ADD COLUMN folded_tsv tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', regexp_replace(folded, '[^[:alnum:]]+', ' ', 'g'))) STORED"
        )
        op.execute("CREATE INDEX ix_items_folded_tsv ON items USING gin (folded_tsv)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("analysis_state", "alerts", "watchlists", "rollups", "item_stats", "item_tags"):
        op.drop_table(name)
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_items_folded_tsv")
        op.execute("ALTER TABLE items DROP COLUMN IF EXISTS folded_tsv")
        op.execute("ALTER TABLE items ADD COLUMN folded_tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED")
        op.execute("CREATE INDEX ix_items_folded_tsv ON items USING gin (folded_tsv)")
