"""Merge the parallel branches (collect, workflow, analysis, outreach) and add item_sigs.

``item_sigs`` keeps each item's MinHash signature and cluster in a narrow table: near-
duplicate lookups read thousands of signatures per batch, and reading them from the wide
``items`` rows (text, JSON) cost ~0.04 s per 900 items, most of the dedupe time at 60k items.

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = ("0002", "0003", "0004", "0005")
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "item_sigs",
        sa.Column("item_id", Id, sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("cluster_id", sa.String(32)),
        sa.Column("minhash", sa.LargeBinary, nullable=False),
    )
    op.execute(
        "INSERT INTO item_sigs (item_id, cluster_id, minhash) "
        "SELECT id, cluster_id, minhash FROM items WHERE minhash IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("item_sigs")
