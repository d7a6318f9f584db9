"""Issues of public concern: story clusters rising across several sources.

A cluster (near-duplicate story, from the dedupe stage) is an issue when, in the window,
it has items from at least ``min_sources`` sources. Each issue carries a representative title
(the widest-reach titled item, else the cluster's title), volume, growth against the window
before, sentiment mix, top sources and first appearance. Ranked by
volume × log2(1 + sources) × (1 + max(growth, 0)).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any


def find_issues(store: Any, now: datetime, *, hours: int = 48, min_sources: int = 2,
                limit: int = 20) -> list[dict[str, Any]]:
    since = now - timedelta(hours=hours)
    active = [c for c in store.cluster_activity(since, since - timedelta(hours=hours))
              if c["sources"] >= min_sources]
    if not active:
        return []
    extra = store.cluster_breakdown([c["cluster_id"] for c in active])
    out = []
    for c in active:
        b = extra[c["cluster_id"]]
        prev = c["previous"]
        growth = (c["volume"] - prev) / prev if prev else float(c["volume"])
        score = c["volume"] * math.log2(1 + c["sources"]) * (1 + max(growth, 0.0))
        out.append({
            "cluster_id": c["cluster_id"], "title": b["title"] or c["title"] or "—",
            "volume": c["volume"], "previous": prev, "growth": round(growth, 3),
            "sources": c["sources"], "size": c["size"], "first_seen": c["first_seen"],
            "last_seen": c["last_seen"], "sentiment": b["sentiment"],
            "top_sources": b["sources"][:5], "score": round(score, 2),
        })
    out.sort(key=lambda i: -i["score"])
    return out[:limit]
