"""The relational schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Times are stored as naive UTC everywhere (SQLite has no time zone type); conversion to
Asia/Ho_Chi_Minh happens at the edges. Free-form parts of a record (metrics, extra) are JSON.
The schema is created and changed only by the Alembic migrations in ``migrations/``; this
module mirrors the head revision for queries.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# BigInteger ids on PostgreSQL, INTEGER PRIMARY KEY (rowid alias) on SQLite.
IdType = BigInteger().with_variant(Integer(), "sqlite")

sources = Table(
    "sources",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("name", String(500)),
    Column("kind", String(40), nullable=False, default="other"),
    Column("platform", String(40)),
    Column("url", Text),
    Column("followers", BigInteger),
    Column("official", Boolean, nullable=False, default=False),
    Column("district", String(120)),
    Column("licence", Text),
    Column("tags", JSON),
    Column("extra", JSON),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    # Added by migration 0002 (collectors).
    Column("feed_urls", JSON),
    Column("owner", String(500)),
    Column("licence_scope", String(20)),  # press | aggregator
    Column("verified", Boolean),
    Column("ward", String(120)),
    Column("partner", Boolean),
    Column("crawl_interval", Integer),  # seconds; None = settings.collect_interval
)

clusters = Table(
    "clusters",
    metadata,
    # Key = content hash prefix of the cluster's first item: deterministic, no extra round trip.
    Column("id", String(32), primary_key=True),
    Column("title", Text),
    Column("size", Integer, nullable=False, default=1),
    Column("sources", Integer, nullable=False, default=1),
    Column("first_seen", DateTime),
    Column("last_seen", DateTime),
)

items = Table(
    "items",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # "x:<source>:<external id>" or "h:<content hash>": the idempotency key of DESIGN.md.
    Column("dedupe_key", String(600), nullable=False, unique=True),
    Column("source_id", IdType, ForeignKey("sources.id")),
    Column("external_id", String(500)),
    Column("kind", String(20), nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("author", String(500)),
    Column("text", Text, nullable=False),
    Column("text_norm", Text, nullable=False),
    Column("folded", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("minhash", LargeBinary),
    Column("cluster_id", String(32), ForeignKey("clusters.id")),
    Column("published_at", DateTime),
    Column("collected_at", DateTime, nullable=False),
    Column("parent_id", String(500)),
    Column("lang", String(10)),
    Column("metrics", JSON),
    Column("followers", BigInteger),
    Column("extra", JSON),
    Column("schema_version", Integer, nullable=False, default=1),
    Index("ix_items_published", "published_at"),
    Index("ix_items_source_published", "source_id", "published_at"),
    Index("ix_items_cluster", "cluster_id"),
    Index("ix_items_hash", "content_hash"),
    Index("ix_items_kind", "kind"),
)

item_bands = Table(
    "item_bands",
    metadata,
    Column("band_key", BigInteger, nullable=False),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Index("ix_item_bands_key", "band_key"),
)

labels = Table(
    "labels",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("task", String(80), nullable=False),
    Column("label", String(200), nullable=False),
    Column("score", Float),
    Column("scores", JSON),
    Column("spans", JSON),
    Column("explanation", JSON),
    Column("model_version", String(120)),
    Column("origin", String(20), nullable=False, default="model"),  # model | review | import
    Column("created_at", DateTime, nullable=False),
    Index("ix_labels_item", "item_id"),
    Index("ix_labels_task_label", "task", "label"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("origin", String(500), nullable=False),  # file name, "api", "collector:<source>"
    Column("line", BigInteger),
    Column("reason_code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text),
    Column("raw_bytes", BigInteger),
    Column("raw_sha256", String(64)),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("resolved", Boolean, nullable=False, default=False),
    Index("ix_quarantine_created", "created_at"),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("origin", String(500), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("new", Integer, nullable=False, default=0),
    Column("duplicate", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
)

users = Table(
    "users",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("display_name", String(300)),
    Column("role", String(40), nullable=False, default="viewer"),
    Column("unit", String(200)),
    Column("password_hash", Text),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)


# --- collectors (migration 0002) -------------------------------------------------------------
# One snapshot per distinct (body, URL): raw bytes (zlib), HTTP metadata, fetch time, SHA-256.
evidence = Table(
    "evidence",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("url_hash", String(64), nullable=False),
    Column("source_id", IdType, ForeignKey("sources.id")),
    Column("kind", String(20), nullable=False),  # page | feed | sitemap | api | file
    Column("url", Text, nullable=False),
    Column("final_url", Text, nullable=False),
    Column("status", Integer),
    Column("headers", JSON),
    Column("content_type", String(200)),
    Column("size", BigInteger, nullable=False),
    Column("compression", String(10), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("fetched_at", DateTime, nullable=False),
    UniqueConstraint("sha256", "url_hash", name="uq_evidence_sha_url"),
    Index("ix_evidence_source_time", "source_id", "fetched_at"),
)

# Which snapshots an item was seen in, by its external identity (source key + external id),
# so the link is written before the item exists and survives re-collection.
evidence_links = Table(
    "evidence_links",
    metadata,
    Column("evidence_id", IdType, ForeignKey("evidence.id", ondelete="CASCADE"), nullable=False),
    Column("source_key", String(200), nullable=False),
    Column("external_id", String(500), nullable=False),
    UniqueConstraint("evidence_id", "source_key", "external_id", name="uq_evidence_link"),
    Index("ix_evidence_links_item", "source_key", "external_id"),
)

crawl_queue = Table(
    "crawl_queue",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source_id", IdType, ForeignKey("sources.id"), nullable=False),
    Column("url_hash", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("status", String(12), nullable=False),  # pending | done | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("hint", JSON),
    Column("last_error", String(40)),
    Column("discovered_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    UniqueConstraint("source_id", "url_hash", name="uq_crawl_queue_url"),
    Index("ix_crawl_queue_pending", "source_id", "status"),
)

fetch_state = Table(
    "fetch_state",
    metadata,
    Column("source_id", IdType, ForeignKey("sources.id"), nullable=False),
    Column("url_hash", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", String(100)),
    Column("cursor", Text),
    Column("updated_at", DateTime, nullable=False),
    PrimaryKeyConstraint("source_id", "url_hash", name="pk_fetch_state"),
)

collect_state = Table(
    "collect_state",
    metadata,
    Column("source_id", IdType, ForeignKey("sources.id"), primary_key=True),
    Column("healthy", Boolean, nullable=False, default=True),
    Column("error_streak", Integer, nullable=False, default=0),
    Column("last_attempt_at", DateTime),
    Column("last_success_at", DateTime),
    Column("last_error_at", DateTime),
    Column("last_error_code", String(40)),
    Column("last_error", Text),
    Column("next_due_at", DateTime),
    Column("lease_owner", String(200)),
    Column("lease_until", DateTime),
    Column("runs", Integer, nullable=False, default=0),
    Column("items_total", BigInteger, nullable=False, default=0),
    Column("last_run_items", Integer, nullable=False, default=0),
)

collect_events = Table(
    "collect_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source_id", IdType, ForeignKey("sources.id")),
    Column("at", DateTime, nullable=False),
    Column("level", String(10), nullable=False),  # info | warning | error
    Column("code", String(40), nullable=False),
    Column("url", Text),
    Column("detail", Text),
    Index("ix_collect_events_at", "at"),
)
