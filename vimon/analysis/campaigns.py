"""Communication campaigns: a plan per topic and period (goal, key messages, official items,
channels, partners, KPI targets), a calendar, and the measured result.

Kế hoạch truyền thông theo chủ đề và thời gian: mục tiêu, thông điệp chính, tin bài chính
thức, kênh, đối tác, chỉ tiêu (độ phủ, tương tác, lượt chia sẻ, thay đổi cảm xúc); lịch; kết
quả đo được. Cân bằng tích cực/tiêu cực của chủ đề so sánh kỳ trước (cùng độ dài, ngay trước
ngày bắt đầu) với kỳ chiến dịch, trên các tin có từ khóa của chủ đề.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from vimon.analysis import spread as spread_mod
from vimon.errors import VimonError
from vimon.text import fold

KPI_KEYS = ("reach", "engagement", "shares", "sentiment_shift")
KPI_NAMES = {"reach": "Độ phủ (lượt xem/người theo dõi)", "engagement": "Tương tác",
             "shares": "Lượt chia sẻ", "sentiment_shift": "Thay đổi tỷ lệ tích cực (điểm %)"}
LOCAL = timedelta(hours=7)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:100] or "chien-dich"


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[\n;,]+", value)
    return [v.strip() for v in (value or []) if v and v.strip()]


def create(store: Any, actor: str, data: dict[str, Any]) -> str:
    """Validate and store a plan; returns its slug."""
    name = (data.get("name") or "").strip()
    if not name:
        raise VimonError("VM-CAMP-001", "Cần tên chiến dịch / a campaign needs a name")
    try:
        start = date.fromisoformat(str(data["starts_on"]))
        end = date.fromisoformat(str(data["ends_on"]))
    except (KeyError, ValueError) as exc:
        raise VimonError("VM-CAMP-002", "Ngày bắt đầu/kết thúc không hợp lệ (YYYY-MM-DD) / "
                                        "bad start or end date") from exc
    if end < start:
        raise VimonError("VM-CAMP-003", "Ngày kết thúc trước ngày bắt đầu / ends before it starts")
    kpis = {}
    for k in KPI_KEYS:
        v = (data.get("kpis") or {}).get(k)
        if v not in (None, ""):
            kpis[k] = float(v)
    slug = _slug(data.get("slug") or name)
    base, i = slug, 2
    while store.get_campaign(slug):
        slug, i = f"{base}-{i}", i + 1
    cid = store.add_campaign({
        "slug": slug, "name": name[:300], "topic": (data.get("topic") or "").strip()[:120] or "chung",
        "goal": (data.get("goal") or "").strip(), "messages": _list(data.get("messages")),
        "channels": _list(data.get("channels")), "partners": _list(data.get("partners")),
        "keywords": [fold(k) for k in _list(data.get("keywords"))], "kpis": kpis,
        "starts_on": start, "ends_on": end}, actor)
    if data.get("item_ids"):
        store.add_campaign_items(cid, [int(i) for i in data["item_ids"]], actor)
    return slug


def _bounds(c: dict[str, Any]) -> tuple[datetime, datetime]:
    start = datetime.combine(c["starts_on"], time()) - LOCAL
    end = datetime.combine(c["ends_on"] + timedelta(days=1), time()) - LOCAL
    return start, end


def official_items(store: Any, c: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's official items: attached by hand, plus official items of the period that
    carry one of its keywords."""
    chosen = {r["id"]: r for r in store.campaign_item_rows(c["id"])}
    start, end = _bounds(c)
    kws = c.get("keywords") or []
    if kws:
        for r in store.official_items(since=start, limit=500):
            if r["published_at"] and r["published_at"] < end and any(k in fold(r.get("text") or "") or
                                                                      k in fold(r.get("title") or "")
                                                                      for k in kws):
                chosen.setdefault(r["id"], r)
    return sorted(chosen.values(), key=lambda r: (r.get("published_at") or datetime.max, r["id"]))


def balance(store: Any, c: dict[str, Any]) -> dict[str, Any]:
    """Positive vs negative share of the topic's items, the period before vs the campaign."""
    start, end = _bounds(c)
    before_start = start - (end - start)
    out: dict[str, Any] = {}
    for name, (a, b) in (("before", (before_start, start)), ("during", (start, end))):
        rows = store.topic_items(c.get("keywords") or [], a, b)
        labels = store.item_label_map([r["id"] for r in rows], ("sentiment",))
        pos = sum(1 for r in rows if "positive" in labels.get(r["id"], {}).get("sentiment", ()))
        neg = sum(1 for r in rows if "negative" in labels.get(r["id"], {}).get("sentiment", ()))
        n = len(rows)
        out[name] = {"n": n, "positive": pos, "negative": neg,
                     "positive_share": round(pos / n, 3) if n else None,
                     "negative_share": round(neg / n, 3) if n else None}
    b, d = out["before"], out["during"]
    out["shift_points"] = (round((d["positive_share"] - b["positive_share"]) * 100, 1)
                           if b["positive_share"] is not None and d["positive_share"] is not None else None)
    return out


def report(store: Any, slug: str) -> dict[str, Any]:
    c = store.get_campaign(slug)
    if c is None:
        from vimon.errors import NotFound

        raise NotFound("VM-CAMP-404", f"Không có chiến dịch «{slug}» / no campaign {slug!r}")
    officials = official_items(store, c)
    sp = spread_mod.spread_of(store, officials)
    planned = set(c.get("partners") or [])
    for s in sp:
        for r in s["republications"]:
            r["partner"] = r["partner"] or r["source"] in planned
        s["partners"] = sorted({r["source"] for r in s["republications"] if r["partner"]})
    actual = {"reach": 0, "engagement": 0, "shares": 0}
    for s in sp:
        posts = [s["official"], *s["republications"]]
        for p in posts:
            actual["reach"] += p.get("views") or p.get("followers") or 0
            actual["engagement"] += p["likes"] + p["shares"] + p["comments"]
            actual["shares"] += p["shares"]
    bal = balance(store, c)
    actual["sentiment_shift"] = bal["shift_points"]
    kpis = [{"key": k, "name": KPI_NAMES[k], "target": (c.get("kpis") or {}).get(k),
             "actual": actual.get(k),
             "met": (actual.get(k) is not None and (c.get("kpis") or {}).get(k) is not None
                     and actual[k] >= c["kpis"][k])} for k in KPI_KEYS]
    return {"campaign": c, "officials": sp, "timeline": spread_mod.timeline(sp),
            "scorecard": spread_mod.scorecard(sp), "balance": bal, "kpis": kpis}


def month_calendar(campaigns: list[dict[str, Any]], year: int, month: int) -> list[list[dict[str, Any]]]:
    """Weeks (Monday first) of days, each with the campaigns running that day."""
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(year, month):
        weeks.append([{"day": d, "in_month": d.month == month,
                       "campaigns": [{"slug": c["slug"], "name": c["name"]} for c in campaigns
                                     if c["starts_on"] <= d <= c["ends_on"]]} for d in week])
    return weeks


__all__ = ["KPI_KEYS", "balance", "create", "month_calendar", "official_items", "report"]
