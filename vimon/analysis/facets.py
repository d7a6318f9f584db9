"""Per-item facets and statistics: what search facets, sorting and rollups read.

For each stored item: topic(s) and sentiment (model labels when present, else the demo
corpus's ``extra.demo``), districts of Hanoi it mentions (old and 2025 names, through the
gazetteer) or its source's district, author, reach and risk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from vimon.detect import gazetteer
from vimon.errors import InputError
from vimon.store.querylang import slug

SENTIMENTS = ("positive", "negative", "neutral")
# Labels that mean "may be harmful": their model score is the item's risk.
RISK_LABELS = {("toxicity", "offensive"), ("reliability", "unreliable")}
# Demo-corpus categories that stand for harms defined in law (used when no model ran).
HARM_CATEGORIES = {"fake_news", "rumour", "scam", "child_harm", "impersonation", "offensive",
                   "bao_hoa"}
TOPIC_MIN_SCORE = 0.3  # a multi-label topic counts when its model score reaches this


@dataclass
class Facets:
    item_id: int
    at: datetime
    source: str | None
    source_id: int | None
    kind: str
    reach: int
    risk: float
    sentiment: str | None
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> key -> value
    priority: int = 0

    def add(self, kind: str, value: str) -> None:
        key = slug(value)
        if key:
            self.tags.setdefault(kind, {})[key] = value[:300]

    def keys(self, kind: str) -> set[str]:
        return set(self.tags.get(kind, {}))


def _num(v: Any) -> int:
    try:
        return max(0, int(v or 0))
    except (TypeError, ValueError):
        return 0


def reach_of(metrics: dict[str, Any] | None, followers: int | None) -> int:
    """Audience estimate: the larger of the page's followers, the views, and the interactions."""
    if not metrics:  # most posts: no metrics, maybe a follower count
        return _num(followers)
    m = metrics
    v, lk = m.get("views") or 0, m.get("likes") or 0
    sh, cm = m.get("shares") or 0, m.get("comments") or 0
    if type(v) is type(lk) is type(sh) is type(cm) is int and min(v, lk, sh, cm) >= 0 and (
            followers is None or type(followers) is int):  # the usual case, without conversions
        return max(followers or 0, v, lk + sh + cm)
    interactions = _num(m.get("likes")) + _num(m.get("shares")) + _num(m.get("comments"))
    return max(_num(followers), _num(m.get("views")), interactions)


def compute(item_id: int, *, folded: str, kind: str, source: str | None,
            source_id: int | None, source_district: str | None, author: str | None,
            published_at: datetime | None, fallback_at: datetime,
            metrics: dict[str, Any] | None, followers: int | None,
            extra: dict[str, Any] | None, labels: list[tuple[str, str, float | None]],
            tokens: list[str]) -> Facets:
    # Multi-label topic models store their label set as one comma-joined label.
    topics = [part.strip() for t, lb, sc in labels
              if t == "topic" and (sc is None or sc >= TOPIC_MIN_SCORE)
              for part in lb.split(",") if part.strip()]
    sent = [(sc or 0.0, lb) for t, lb, sc in labels if t == "sentiment"]
    demo = (extra or {}).get("demo") if isinstance(extra, dict) else None
    demo = demo if isinstance(demo, dict) else {}
    if not topics and isinstance(demo.get("topic"), str):
        topics = [demo["topic"]]
    sentiment = max(sent)[1] if sent else demo.get("sentiment")
    if sentiment not in SENTIMENTS:
        sentiment = None
    risk = max((sc if sc is not None else 1.0 for t, lb, sc in labels if (t, lb) in RISK_LABELS),
               default=0.0)
    if not labels and demo.get("category") in HARM_CATEGORIES:
        risk = 0.8
    f = Facets(item_id, published_at or fallback_at, source, source_id, kind,
               reach_of(metrics, followers), float(risk), sentiment)
    for t in topics:
        f.add("topic", t)
    if sentiment:
        f.add("sentiment", sentiment)
    g = gazetteer()
    districts = g.districts_in(tokens)
    if source_district:
        districts |= g.district_keys(source_district) or {slug(source_district)}
    for d in districts:
        f.add("district", g.district_names.get(d, d))
    if author:
        f.add("author", author)
    return f


LOCAL = timedelta(hours=7)


def hour_bucket(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=8192)  # called with hour buckets, which repeat
def day_bucket(at: datetime) -> datetime:
    """Start (naive UTC) of the Hanoi calendar day holding ``at``."""
    local = at + LOCAL
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - LOCAL


def local_today() -> date:
    """Today on the Hanoi calendar."""
    return (datetime.now(UTC) + LOCAL).date()


def local_day(value: str | None, code: str) -> date:
    """A Hanoi calendar day given as YYYY-MM-DD (today's when none), as the CLI and the pages
    read a report's day or an "as of" day; anything else is InputError ``code``."""
    if not value:
        return local_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(code, f"ngày không hợp lệ / invalid date {value[:40]!r}",
                         "YYYY-MM-DD, ví dụ / e.g. 2026-11-23") from None


def rollup_rows(facets: list[Facets]) -> list[tuple[Any, ...]]:
    """Aggregated (grain, dim, key, bucket) deltas of a batch, as ``(grain, dim, key, bucket,
    n, pos, neg, neu, reach)``. Items are summed per hour first; the Hanoi-day rows are sums
    of those (few) hourly rows. The definition of what the ``rollup`` stage adds: the store
    computes the same in SQL (``Store.add_rollups``), and the contract tests compare both."""
    hours: dict[tuple[str, str, datetime], list[int]] = {}
    for f in facets:
        s = f.sentiment
        pos, neg, neu = s == "positive", s == "negative", s == "neutral"
        hb = hour_bucket(f.at)
        keys = [("all", ""), ("kind", f.kind)]
        if f.source:
            keys.append(("source", f.source))
        for dim in ("topic", "district", "tag"):
            if dim in f.tags:
                keys += [(dim, k) for k in f.tags[dim]]
        for dim, key in keys:
            k = (dim, key, hb)
            row = hours.get(k)
            if row is None:
                hours[k] = [1, pos, neg, neu, f.reach]
            else:
                row[0] += 1
                row[1] += pos
                row[2] += neg
                row[3] += neu
                row[4] += f.reach
    days: dict[tuple[str, str, datetime], list[int]] = {}
    for (dim, key, hb), v in hours.items():
        d = days.setdefault((dim, key, day_bucket(hb)), [0, 0, 0, 0, 0])
        for i in range(5):
            d[i] += v[i]
    return [(g, d, k, b, v[0], int(v[1]), int(v[2]), int(v[3]), v[4])
            for g, acc in (("h", hours), ("d", days)) for (d, k, b), v in acc.items()]
