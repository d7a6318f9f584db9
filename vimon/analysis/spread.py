"""Spread of official content: for each official item, where it was republished (same
near-duplicate cluster, or a link to its URL), by whom, when and with what engagement.

Lan tỏa thông tin chính thống: mỗi tin chính thức được đăng lại ở đâu (cùng cụm gần trùng
MinHash, hoặc có đường dẫn tới bài gốc), bởi trang nào (đối tác hay không), lúc nào, tương tác
bao nhiêu; dòng thời gian lan tỏa và bảng điểm từng đối tác.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any


def _eng(m: dict[str, Any] | None) -> dict[str, int]:
    m = m or {}
    return {k: int(m.get(k) or 0) for k in ("likes", "shares", "comments", "views")}


def spread_of(store: Any, officials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per official item with its republications, first to last."""
    partners = {a["source_id"] for a in store.list_agreements()}
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.cluster_rows([o["cluster_id"] for o in officials if o.get("cluster_id")]):
        members[r["cluster_id"]].append(r)
    linked = store.items_mentioning([o["url"] for o in officials if o.get("url")])
    out = []
    for o in officials:
        found: dict[int, dict[str, Any]] = {}
        for m in members.get(o.get("cluster_id") or "", []):
            if m["id"] != o["id"] and m["source_id"] != o["source_id"]:
                found[m["id"]] = {**m, "how": "gần trùng / near-duplicate"}
        url = o.get("url") or ""
        for m in linked:
            if url and m["id"] != o["id"] and m["source_id"] != o["source_id"] and \
                    (url in (m.get("text") or "") or url in str(m.get("extra") or "")):
                found.setdefault(m["id"], {**m, "how": "dẫn link / links to it"})
        reps = []
        for m in sorted(found.values(), key=lambda r: (r.get("published_at") or datetime.max, r["id"])):
            delay = None
            if m.get("published_at") and o.get("published_at"):
                delay = round((m["published_at"] - o["published_at"]).total_seconds() / 3600, 1)
            reps.append({"item_id": m["id"], "source": m["source"], "source_name": m["source_name"],
                         "partner": bool(m["source_id"] in partners or m.get("source_partner")),
                         "published_at": m.get("published_at"), "delay_hours": delay,
                         "how": m["how"], "url": m.get("url"), "followers": m.get("followers")
                         or m.get("source_followers"), **_eng(m.get("metrics"))})
        out.append({"item_id": o["id"], "title": o.get("title") or (o.get("text") or "")[:120],
                    "source": o["source"], "source_name": o["source_name"], "url": o.get("url"),
                    "published_at": o.get("published_at"), "official": _eng(o.get("metrics")),
                    "republications": reps, "n": len(reps),
                    "partners": sorted({r["source"] for r in reps if r["partner"]})})
    return out


def timeline(spread: list[dict[str, Any]], buckets: tuple[int, ...] = (1, 3, 6, 12, 24, 48, 72, 168)
             ) -> list[dict[str, Any]]:
    """Cumulative republications by hours after the official post."""
    delays = [r["delay_hours"] for s in spread for r in s["republications"] if r["delay_hours"] is not None]
    return [{"hours": h, "count": sum(1 for d in delays if d <= h)} for h in buckets]


def scorecard(spread: list[dict[str, Any]], partners_only: bool = False) -> list[dict[str, Any]]:
    """Per republishing source: how many official items, how fast, with what engagement."""
    rows: dict[str, dict[str, Any]] = {}
    n_official = len(spread)
    for s in spread:
        for r in s["republications"]:
            if partners_only and not r["partner"]:
                continue
            row = rows.setdefault(r["source"], {"source": r["source"], "name": r["source_name"],
                                                "partner": r["partner"], "items": set(), "delays": [],
                                                "likes": 0, "shares": 0, "comments": 0, "views": 0})
            row["items"].add(s["item_id"])
            if r["delay_hours"] is not None:
                row["delays"].append(r["delay_hours"])
            for k in ("likes", "shares", "comments", "views"):
                row[k] += r[k]
    out = []
    for row in rows.values():
        delays = row.pop("delays")
        n = len(row.pop("items"))
        out.append({**row, "republished": n, "coverage": round(n / n_official, 3) if n_official else 0,
                    "median_delay_hours": round(statistics.median(delays), 1) if delays else None,
                    "engagement": row["likes"] + row["shares"] + row["comments"]})
    out.sort(key=lambda r: (-r["republished"], -r["engagement"], r["source"]))
    return out


__all__ = ["scorecard", "spread_of", "timeline"]
