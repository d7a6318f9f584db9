"""The demo corpus: a fictional Hanoi information space written by the vimon team.

Nothing in it is copied from a real website, data set or repository; every source is
invented (``*.example.vn`` sites, ``….demo`` social handles). The data lives next to this
module in ``corpus/``:

* ``sources.json`` — the sources (newspapers, aggregators, a district portal, pages,
  groups, channels, a forum, and an impostor of a ward's page);
* ``items.jsonl`` — articles, posts, videos and comments in the item ingest format of
  ``DESIGN.md``, each with its ground truth under ``extra["demo"]`` (topic, sentiment,
  category, story).

``iter_items(shift_to=…)`` moves every ``published_at`` by one offset so that the newest
item lands at ``shift_to``: the daily rhythm and the bursts stay as written while the demo
looks current.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

CORPUS_VERSION = "2026.11.1"

#: The corpus is written in Hanoi time (no daylight saving; a fixed offset is exact).
VN_TZ = timezone(timedelta(hours=7), "+07")

ITEM_KINDS = ("article", "post", "comment", "video")
SOURCE_KINDS = (
    "e-newspaper", "e-magazine", "aggregator", "state-portal",
    "social-page", "social-group", "video-channel", "forum",
)
PLATFORMS = ("web", "facebook", "youtube", "zalo", "tiktok")
CATEGORIES = (
    "news", "positive_news", "complaint", "rumour", "fake_news", "scam", "offensive",
    "impersonation", "child_harm", "bao_hoa", "official", "other",
)
SENTIMENTS = ("positive", "neutral", "negative")


def corpus_dir() -> Traversable:
    """The folder holding ``sources.json`` and ``items.jsonl``."""
    try:
        root = resources.files(__package__ or "vimon.demo")
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - unusual import setups
        root = Path(__file__).resolve().parent  # type: ignore[assignment]
    return root.joinpath("corpus")


def items_path() -> Traversable:
    """The JSONL file itself (what ``vimon ingest`` can read directly)."""
    return corpus_dir().joinpath("items.jsonl")


def load_sources() -> list[dict]:
    """All demo sources, as a fresh list of dicts (callers may modify it)."""
    text = corpus_dir().joinpath("sources.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _lines() -> tuple[str, ...]:
    text = items_path().read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip())


def _aware(dt: datetime) -> datetime:
    """A naive time is Hanoi time, as in the ingest format."""
    return dt.replace(tzinfo=VN_TZ) if dt.tzinfo is None else dt


def latest_published_at() -> datetime:
    """The newest ``published_at`` in the corpus as written."""
    return max(datetime.fromisoformat(json.loads(line)["published_at"]) for line in _lines())


def iter_items(shift_to: datetime | None = None) -> Iterator[dict]:
    """Yield every item (fresh dicts, chronological order) in the item ingest format.

    With ``shift_to``, every ``published_at`` moves by the same offset so that the newest
    item is at ``shift_to`` (a naive ``shift_to`` is Hanoi time); times keep the +07:00
    offset.
    """
    offset = timedelta(0)
    if shift_to is not None:
        offset = _aware(shift_to) - latest_published_at()
    for line in _lines():
        item = json.loads(line)
        if offset:
            t = datetime.fromisoformat(item["published_at"]) + offset
            item["published_at"] = t.astimezone(VN_TZ).isoformat()
        yield item


__all__ = [
    "CATEGORIES", "CORPUS_VERSION", "ITEM_KINDS", "PLATFORMS", "SENTIMENTS", "SOURCE_KINDS",
    "VN_TZ", "corpus_dir", "items_path", "iter_items", "latest_published_at", "load_sources",
]
