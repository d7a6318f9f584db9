"""Partner pages: rank candidate fanpages, groups and channels for spreading positive
information (QĐ 3550: a network of 10–20 pages/groups with ≥ 50,000 followers).

Xếp hạng trang/nhóm ứng viên đối tác. Mỗi điểm thành phần nằm trong [0, 1] và có lời giải
thích; điểm tổng là trung bình có trọng số (``WEIGHTS``) của các thành phần có dữ liệu.

Components:
- ``reach``: log10(followers) / 6 (1,000,000 followers = 1; 50,000 ≈ 0.78);
- ``engagement``: mean (likes + shares + comments) / followers per post, 2 % = 1 (a strong rate
  for large Vietnamese fanpages; 0.5–1 % is ordinary);
- ``growth``: follower change between the first and last post of the window, +10 % = 1,
  no change = 0.5, −10 % = 0;
- ``positive``: share of posts labelled ``sentiment=positive``;
- ``clean``: 1 − 5 × share of posts and comments labelled ``toxicity=offensive`` (20 % = 0);
- ``topic_fit``: share of posts whose topics include one asked for (left out when none asked);
- ``reliability``: 1 − 5 × share of posts labelled ``reliability=unreliable``; a page flagged
  as impersonating an agency is never eligible.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from vimon.text import fold

CANDIDATE_KINDS = ("social-page", "social-group", "video-channel", "forum")
WEIGHTS = {"reach": 0.2, "engagement": 0.2, "growth": 0.1, "positive": 0.15, "clean": 0.15,
           "topic_fit": 0.1, "reliability": 0.1}
LABEL_TASKS = ("sentiment", "toxicity", "reliability", "topic")
COMPONENT_NAMES = {"reach": "Độ phủ (người theo dõi)", "engagement": "Tỷ lệ tương tác",
                   "growth": "Tăng trưởng", "positive": "Tỷ lệ tin tích cực",
                   "clean": "Sạch nội dung độc hại", "topic_fit": "Phù hợp chủ đề",
                   "reliability": "Lịch sử tin cậy"}


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _engagement(m: dict[str, Any] | None) -> int:
    m = m or {}
    return int(m.get("likes") or 0) + int(m.get("shares") or 0) + int(m.get("comments") or 0)


def score_source(src: dict[str, Any], posts: list[dict[str, Any]], comments: list[dict[str, Any]],
                 label_map: dict[int, dict[str, list[str]]], topics: list[str] | None = None
                 ) -> dict[str, Any]:
    """Components, total and explanations for one candidate (pure: tests call it directly)."""
    followers_series = [p["followers"] for p in posts if p.get("followers")]
    followers = int(src.get("followers") or (followers_series[-1] if followers_series else 0))
    comp: dict[str, float | None] = {}
    why: dict[str, str] = {}
    comp["reach"] = _clip(math.log10(followers) / 6) if followers > 0 else 0.0
    why["reach"] = f"{followers:,} người theo dõi".replace(",", ".")
    rates = [_engagement(p.get("metrics")) / (p.get("followers") or followers)
             for p in posts if (p.get("followers") or followers)]
    rate = sum(rates) / len(rates) if rates else 0.0
    comp["engagement"] = _clip(rate / 0.02)
    why["engagement"] = f"tương tác trung bình {rate * 100:.2f}% người theo dõi mỗi bài ({len(rates)} bài)"
    if len(followers_series) >= 2 and followers_series[0]:
        g = (followers_series[-1] - followers_series[0]) / followers_series[0]
        comp["growth"] = _clip(0.5 + g * 5)
        why["growth"] = f"người theo dõi thay đổi {g * 100:+.1f}% trong kỳ"
    else:
        comp["growth"] = None
        why["growth"] = "chưa đủ dữ liệu số người theo dõi theo thời gian"
    n = len(posts)

    def share(rows: list[dict[str, Any]], task: str, label: str) -> float:
        if not rows:
            return 0.0
        return sum(1 for r in rows if label in label_map.get(r["id"], {}).get(task, ())) / len(rows)

    pos = share(posts, "sentiment", "positive")
    comp["positive"] = pos if n else None
    why["positive"] = f"{pos * 100:.0f}% bài tích cực ({n} bài)"
    tox = share(posts + comments, "toxicity", "offensive")
    comp["clean"] = _clip(1 - 5 * tox) if posts or comments else None
    why["clean"] = f"{tox * 100:.1f}% bài và bình luận xúc phạm ({len(posts) + len(comments)})"
    if topics:
        wanted = {fold(t) for t in topics}
        fit = sum(1 for p in posts if wanted & {fold(t) for t in label_map.get(p["id"], {}).get("topic", ())})
        comp["topic_fit"] = fit / n if n else 0.0
        why["topic_fit"] = f"{fit}/{n} bài thuộc chủ đề {', '.join(topics)}"
    else:
        comp["topic_fit"] = None
        why["topic_fit"] = "không chọn chủ đề"
    unrel = share(posts, "reliability", "unreliable")
    comp["reliability"] = _clip(1 - 5 * unrel) if n else None
    why["reliability"] = f"{unrel * 100:.0f}% bài bị đánh giá không tin cậy"
    used = {k: v for k, v in comp.items() if v is not None}
    total = sum(WEIGHTS[k] * v for k, v in used.items()) / sum(WEIGHTS[k] for k in used) if used else 0.0
    return {"followers": followers, "posts": n, "components": comp, "why": why,
            "score": round(total, 4)}


def rank(store: Any, settings: Any, *, days: int = 90, topics: list[str] | None = None,
         now: datetime | None = None) -> list[dict[str, Any]]:
    """Candidates, best first; eligible ones (≥ ``partner_min_followers``, not flagged as
    impersonation, not official) ahead of the rest."""
    since = (now or datetime.utcnow()) - timedelta(days=days)
    cands = [s for s in store.outreach_sources()
             if s["kind"] in CANDIDATE_KINDS and not s.get("official")]
    impostors = {f["source_id"] for f in store.list_impersonation_flags()
                 if f["status"] != "dismissed" and f["subject_type"] == "source"}
    ids = [s["id"] for s in cands]
    posts = store.source_items(ids, since, kinds=("post", "article", "video"))
    comments = store.source_items(ids, since, kinds=("comment",))
    labels = store.item_label_map([r["id"] for r in posts + comments], LABEL_TASKS)
    agreements = {a["source_id"]: a for a in store.list_agreements()}
    out = []
    for s in cands:
        mine = [p for p in posts if p["source_id"] == s["id"]]
        com = [c for c in comments if c["source_id"] == s["id"]]
        r = score_source(s, mine, com, labels, topics)
        blockers = []
        if r["followers"] < settings.partner_min_followers:
            blockers.append(f"dưới {settings.partner_min_followers:,} người theo dõi".replace(",", "."))
        if s["id"] in impostors:
            blockers.append("bị gắn cờ mạo danh cơ quan nhà nước")
        if r["components"]["reliability"] is not None and r["components"]["reliability"] < 0.5:
            blockers.append("nhiều tin không tin cậy")
        out.append({"source": s["key"], "source_id": s["id"], "name": s["name"], "kind": s["kind"],
                    "platform": s.get("platform"), "url": s.get("url"), **r,
                    "eligible": not blockers, "blockers": blockers,
                    "agreement": agreements.get(s["id"])})
    out.sort(key=lambda r: (not r["eligible"], -r["score"], r["source"]))
    for i, r in enumerate(out, 1):
        r["rank"] = i
    return out


__all__ = ["COMPONENT_NAMES", "WEIGHTS", "rank", "score_source"]
