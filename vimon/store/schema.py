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
    Date,
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
    Index("ix_items_kind", "kind"),
)

item_bands = Table(
    "item_bands",
    metadata,
    # One clustered key (migration 0007): lookups are index-only range scans.
    Column("band_key", BigInteger, primary_key=True),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    sqlite_with_rowid=False,
)

item_sigs = Table(
    "item_sigs",
    metadata,
    # Narrow copy of items.minhash + cluster_id for near-duplicate lookups (migration 0006).
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", String(32)),
    Column("minhash", LargeBinary, nullable=False),
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

# --------------------------------------------------------------------------- workflow (0003)
# Accounts, review queue, cases, audit log, citizen reports and debunks. The ``users`` table
# above gains lockout columns in migration 0003; they are mirrored here.
users.append_column(Column("failed_logins", Integer, nullable=False, server_default="0"))
users.append_column(Column("locked_until", DateTime))
users.append_column(Column("last_login_at", DateTime))

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ip", String(64)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256, never the token
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked", Boolean, nullable=False, default=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", IdType, primary_key=True),  # assigned by the appender: 1, 2, 3… no gaps
    Column("ts", String(40), nullable=False),  # ISO text: hashed exactly as stored
    Column("actor", String(200), nullable=False),
    Column("action", String(80), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(120), nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON text
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_object", "object_type", "object_id"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: the row appenders lock
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("summary", Text),
    Column("status", String(30), nullable=False),
    Column("priority", String(10), nullable=False, default="normal"),
    Column("unit", String(200)),
    Column("assignee", String(120)),
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("outcome", Text),
    Index("ix_cases_status", "status"),
    Index("ix_cases_unit", "unit"),
)

case_items = Table(
    "case_items",
    metadata,
    Column("case_id", IdType, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime, nullable=False),
    Index("ix_case_items_item", "item_id"),
)

case_comments = Table(
    "case_comments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("case_id", IdType, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_case_comments_case", "case_id"),
)

case_actions = Table(
    "case_actions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("case_id", IdType, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False),  # removal_request | police_referral | sanction | debunk
    Column("params", JSON),
    Column("status", String(20), nullable=False),  # proposed | approved | rejected | sent | done
    Column("proposed_by", String(120), nullable=False),
    Column("proposed_at", DateTime, nullable=False),
    Column("decided_by", String(120)),
    Column("decided_at", DateTime),
    Column("due_at", DateTime),
    Column("outcome", Text),
    Index("ix_case_actions_case", "case_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("case_id", IdType, ForeignKey("cases.id", ondelete="CASCADE")),
    Column("report_id", IdType),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("uploaded_by", String(120), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_attachments_case", "case_id"),
    Index("ix_attachments_report", "report_id"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("ticket", String(20), nullable=False, unique=True),
    Column("url", Text),
    Column("url_key", String(600)),
    Column("text", Text),
    Column("folded", Text),
    Column("category", String(40), nullable=False),
    Column("description", Text),
    Column("contact_enc", Text),  # Fernet-encrypted; NULL when anonymous or purged
    Column("consent", Boolean, nullable=False, default=False),
    Column("network", String(64)),  # keyed hash of the sender's network, for abuse review
    Column("minhash", LargeBinary),
    Column("case_id", IdType, ForeignKey("cases.id")),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("contact_purged_at", DateTime),
    Index("ix_reports_url_key", "url_key"),
    Index("ix_reports_case", "case_id"),
)

report_bands = Table(
    "report_bands",
    metadata,
    Column("band_key", BigInteger, nullable=False),
    Column("report_id", IdType, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Index("ix_report_bands_key", "band_key"),
)

flags = Table(
    "flags",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE")),
    Column("report_id", IdType, ForeignKey("reports.id", ondelete="CASCADE")),
    Column("kind", String(20), nullable=False),  # model | watchlist | match | report
    Column("ref", String(200), nullable=False),  # "toxicity:offensive", "debunk:3", ticket…
    Column("score", Float, nullable=False),
    Column("detail", JSON),
    Column("status", String(20), nullable=False),  # open | confirmed | corrected | dismissed
    Column("decision", JSON),
    Column("decided_by", String(120)),
    Column("decided_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Index("ix_flags_status", "status"),
    Index("ix_flags_item", "item_id"),
    Index("ix_flags_ref", "kind", "ref"),
)

debunks = Table(
    "debunks",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slug", String(200), nullable=False, unique=True),
    Column("claim", Text, nullable=False),
    Column("claim_folded", Text, nullable=False),
    Column("verdict", String(40), nullable=False),
    Column("correction", Text, nullable=False),
    Column("sources", JSON),
    Column("case_id", IdType, ForeignKey("cases.id")),
    Column("published_by", String(120), nullable=False),
    Column("published_at", DateTime, nullable=False),
)

report_debunks = Table(
    "report_debunks",
    metadata,
    Column("report_id", IdType, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("debunk_id", IdType, ForeignKey("debunks.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Float),
)

workflow_state = Table(
    "workflow_state",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- analysis: search facets, rollups, watchlists, alerts (migration 0004, vimon.analysis) ---
item_tags = Table(
    "item_tags",
    metadata,
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),  # topic | sentiment | district | tag | author
    Column("key", String(200), nullable=False),  # folded slug, what queries compare
    Column("value", String(300), nullable=False),  # as shown
    PrimaryKeyConstraint("item_id", "kind", "key"),
    Index("ix_item_tags_kind_key", "kind", "key", "item_id"),
)

item_stats = Table(
    "item_stats",
    metadata,
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("at", DateTime, nullable=False),  # published_at, else collected_at
    Column("source_id", IdType),
    Column("reach", BigInteger, nullable=False),
    Column("risk", Float, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("sentiment", String(10)),
    Index("ix_item_stats_at", "at"),
    Index("ix_item_stats_reach", "reach"),
    Index("ix_item_stats_risk", "risk"),
)

rollups = Table(
    "rollups",
    metadata,
    Column("grain", String(1), nullable=False),  # h = hour, d = Hanoi day
    Column("dim", String(20), nullable=False),  # all | topic | tag | source | district | kind
    Column("key", String(200), nullable=False),
    Column("bucket", DateTime, nullable=False),  # naive UTC start of the hour / Hanoi day
    Column("n", Integer, nullable=False),
    Column("pos", Integer, nullable=False),
    Column("neg", Integer, nullable=False),
    Column("neu", Integer, nullable=False),
    Column("reach", BigInteger, nullable=False),
    PrimaryKeyConstraint("grain", "dim", "key", "bucket"),
)

watchlists = Table(
    "watchlists",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slug", String(120), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),  # query | entities
    Column("query", Text, nullable=False),  # the query language; entities compile to one
    Column("entities", JSON),
    Column("exact", Boolean, nullable=False),
    Column("action", String(20), nullable=False),  # tag | priority | review
    Column("priority", Integer, nullable=False),
    Column("alert", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_by", String(120)),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # burst | issue | watch | risk
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("subject", String(300), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("severity", String(10), nullable=False),  # info | warning | critical
    Column("detail", JSON),
    Column("status", String(20), nullable=False),  # sent | throttled | failed | pending
    Column("deliveries", JSON),  # channel -> outcome
    Column("created_at", DateTime, nullable=False),
    Index("ix_alerts_created", "created_at"),
)

analysis_state = Table(
    "analysis_state",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- outreach: impersonation, aggregator compliance, partners, campaigns (migration 0005) ---
impersonation_flags = Table(
    "impersonation_flags",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("subject_type", String(20), nullable=False),  # source | author
    Column("subject", String(500), nullable=False),  # source key, or the author's name
    Column("source_id", IdType, ForeignKey("sources.id", ondelete="CASCADE")),
    Column("url", Text),
    Column("entity_key", String(120), nullable=False),  # what it imitates (registry key)
    Column("entity_name", String(300), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON),
    Column("tricks", JSON),
    Column("status", String(20), nullable=False),  # open | confirmed | dismissed
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("subject_type", "subject", name="uq_impersonation_subject"),
)

compliance_findings = Table(
    "compliance_findings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source_id", IdType, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE")),  # None: site-level
    Column("rule", String(40), nullable=False),
    Column("severity", String(12), nullable=False),  # violation | warning
    Column("evidence", JSON),
    Column("published_at", DateTime),
    Column("checked_at", DateTime, nullable=False),
    Index("ix_compliance_source", "source_id", "published_at"),
    Index("ix_compliance_item", "item_id"),
)

partner_agreements = Table(
    "partner_agreements",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source_id", IdType, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("contact", Text),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("topics", JSON),
    Column("note", Text),
    Column("status", String(20), nullable=False),  # active | ended
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_partner_agreements_source", "source_id"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slug", String(120), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("topic", String(120), nullable=False),
    Column("goal", Text),
    Column("messages", JSON),  # key messages
    Column("channels", JSON),
    Column("partners", JSON),  # source keys
    Column("keywords", JSON),  # what finds the topic's items, for the before/after balance
    Column("kpis", JSON),  # targets: reach, engagement, shares, sentiment_shift
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

campaign_items = Table(
    "campaign_items",
    metadata,
    Column("campaign_id", IdType, ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", IdType, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("added_at", DateTime, nullable=False),
)

# Plans the city and districts carry out (KH 293/KH-UBND, QĐ 3550/QĐ-UBND, KH 123/KH-UBND…):
# their tasks, the unit in charge, and dated progress reports (vimon.plans).
plan_tasks = Table(
    "plan_tasks",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("plan", String(60), nullable=False),  # "KH 293/KH-UBND"
    Column("code", String(30), nullable=False),  # the task's number in the plan: "II.1"
    Column("title", Text, nullable=False),
    Column("unit", String(200), nullable=False),  # the unit in charge
    Column("indicator", Text),  # what is measured
    Column("target", Float),  # the indicator's target, when it is a number
    Column("due_on", Date),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("plan", "code", name="uq_plan_tasks_plan_code"),
)

plan_progress = Table(
    "plan_progress",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("task_id", IdType, ForeignKey("plan_tasks.id", ondelete="CASCADE"), nullable=False),
    Column("as_of", Date, nullable=False),  # the day the report speaks for
    Column("status", String(20), nullable=False),  # not_started | in_progress | done
    Column("value", Float),  # the indicator's value then
    Column("note", Text),
    Column("reported_by", String(120), nullable=False),
    Column("reported_at", DateTime, nullable=False),
    Index("ix_plan_progress_task", "task_id", "as_of"),
)
