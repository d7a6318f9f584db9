"""Typed records that pass through the pipeline.

One :class:`Item` travels through every stage; each stage owns and writes only its own
fields (see ``OWNERSHIP``), in the manner of a story record in a news indexer. The schema
version is stored with every item so later readers can migrate old rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SCHEMA_VERSION = 1

ITEM_KINDS = ("article", "post", "comment", "video")

SOURCE_KINDS = (
    "e-newspaper",
    "e-magazine",
    "aggregator",
    "state-portal",
    "social-page",
    "social-group",
    "video-channel",
    "forum",
    "other",
)


@dataclass(slots=True)
class Label:
    task: str
    label: str
    score: float | None = None
    scores: dict[str, float] | None = None
    spans: list[list[int]] | None = None
    explanation: list[Any] | None = None
    model_version: str | None = None
    origin: str = "model"


@dataclass(slots=True)
class Item:
    # --- input (parse) ---
    text: str
    kind: str = "post"
    source: str | None = None
    external_id: str | None = None
    url: str | None = None
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None  # naive UTC
    parent_id: str | None = None
    lang: str | None = None
    metrics: dict[str, int] | None = None
    followers: int | None = None
    extra: dict[str, Any] | None = None
    origin: str = ""  # where it came from: "file.jsonl:12", "api", "collector:<source>"
    # --- normalize stage ---
    text_norm: str = ""
    title_norm: str | None = None
    folded: str = ""
    # ``text.fold.fold_tokens(folded)``: read by dedupe and analyze, which would otherwise
    # each split the text again. Not stored.
    tokens: list[str] = field(default_factory=list)
    # --- dedupe stage ---
    content_hash: str = ""
    dedupe_key: str = ""
    minhash: bytes | None = None
    band_keys: list[int] = field(default_factory=list)
    cluster_id: str | None = None
    duplicate: bool = False  # exact duplicate of something already stored (not stored again)
    near_duplicate_of: int | None = None
    # --- classify stage ---
    labels: list[Label] = field(default_factory=list)
    # --- facets stage ---
    # ``(Facets, review flags, alerts)`` computed before the item is stored, saved by
    # ``analyze`` once it has an id (vimon.analysis.stage). Not stored as such.
    facets: Any = None
    # --- store stage ---
    id: int | None = None
    # Steps already done for this item before it reached the pipeline (``vimon.pipeline.
    # prepare``: ``"normalize"``, ``"sign"``, ``"classify"``), so the stages skip them.
    prepared: frozenset[str] = frozenset()



@dataclass(slots=True)
class Rejection:
    """A row that could not be accepted: kept in quarantine with its reason."""

    origin: str
    line: int | None
    reason_code: str
    reason: str
    raw: str | bytes


# Which stage may write which fields: checked by the pipeline when it is built.
OWNERSHIP: dict[str, tuple[str, ...]] = {
    "normalize": ("text_norm", "title_norm", "folded", "tokens"),
    "dedupe": (
        "content_hash",
        "dedupe_key",
        "minhash",
        "band_keys",
        "cluster_id",
        "duplicate",
        "near_duplicate_of",
    ),
    "classify": ("labels",),
    "facets": ("facets",),
    "store": ("id",),
    "analyze": (),  # writes database rows only: facets, watchlist tags, flags, alerts
    "rollup": (),  # database rows only: hourly and daily rollups
}
