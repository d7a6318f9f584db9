"""Alert service: turn signals into deduplicated alert records, then deliver them, throttled.

Each alert has a dedupe key (``burst:topic:giao-thong:2026-11-20T08``, ``issue:<cluster>``,
``watch:<slug>:<item>``, ``risk:<item>``): the same signal seen twice is stored once. At most
``alert_max_per_hour`` alerts go out per hour; the rest are kept as ``throttled`` in the
history (visible in the UI), never silently dropped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from vimon.alerts.channels import configured
from vimon.store.base import utcnow

MAX_ATTEMPTS = 3


def _row(kind: str, key: str, subject: str, title: str, body: str, severity: str,
         detail: dict[str, Any], now: datetime) -> dict[str, Any]:
    detail = json.loads(json.dumps(detail, default=str))  # datetimes and numpy numbers as text
    return {"kind": kind, "dedupe_key": key[:300], "subject": subject[:300], "title": title,
            "body": body, "severity": severity, "detail": detail, "status": "pending",
            "deliveries": {}, "created_at": now}


def record_watch_alerts(store: Any, matches: list[dict[str, Any]]) -> int:
    """Pending alerts for watchlist matches found during ingest."""
    now, n = utcnow(), 0
    for m in matches:
        row = _row("watch", f"watch:{m['subject']}:{m['item_id']}", m["subject"],
                   f"Khớp danh sách theo dõi «{m['name']}» / watchlist match",
                   f"Tin #{m['item_id']} khớp danh sách «{m['name']}».", "warning",
                   {"item_id": m["item_id"], "watchlist": m["subject"]}, now)
        n += store.add_alert(row) is not None
    return n


def collect_signals(store: Any, settings: Any, now: datetime | None = None) -> int:
    """Record alerts for bursts, issues over the threshold and high-risk items."""
    from vimon.analysis.bursts import recent_bursts
    from vimon.analysis.issues import find_issues

    now = now or utcnow()
    created = 0
    for b in recent_bursts(store, settings, now):
        when = b["bucket"].strftime("%Y-%m-%dT%H")
        row = _row("burst", f"burst:{b['dim']}:{b['key']}:{when}", f"{b['dim']}:{b['key']}",
                   f"Đột biến: {b['label']} ({b['count']} tin/giờ, kỳ vọng "
                   f"{b['expected']:.1f}) / burst",
                   f"Chuỗi {b['dim']} «{b['label']}» có {b['count']} tin trong giờ "
                   f"{when}:00 UTC, gấp {b['ratio']:.1f} lần mức thường lệ theo giờ và thứ.",
                   "warning" if b["ratio"] < 5 else "critical", b, now)
        created += store.add_alert(row) is not None
    for iss in find_issues(store, now, hours=settings.issue_window_hours):
        if iss["volume"] < settings.alert_issue_min_volume or \
                iss["sources"] < settings.alert_issue_min_sources:
            continue
        row = _row("issue", f"issue:{iss['cluster_id']}", iss["cluster_id"],
                   f"Vấn đề mới nổi: {iss['title']} / new issue",
                   f"{iss['volume']} tin từ {iss['sources']} nguồn trong "
                   f"{settings.issue_window_hours} giờ; tăng {iss['growth']:+.0%}.",
                   "warning", {k: v for k, v in iss.items() if k != "top_sources"}, now)
        created += store.add_alert(row) is not None
    since = store.get_state("alerts:risk_since")
    since_dt = datetime.fromisoformat(since) if since else now - timedelta(days=1)
    for it in store.high_risk_items(since_dt, settings.alert_risk_threshold):
        title = (it["title"] or it["text_norm"] or "")[:120]
        row = _row("risk", f"risk:{it['id']}", str(it["id"]),
                   f"Tin rủi ro cao: {title} / high-risk item",
                   f"Tin #{it['id']} từ {it['source'] or '—'} có điểm rủi ro {it['risk']:.2f}.",
                   "critical" if it["risk"] >= 0.95 else "warning",
                   {"item_id": it["id"], "risk": it["risk"], "url": it["url"]}, now)
        created += store.add_alert(row) is not None
    store.set_state("alerts:risk_since", (now - timedelta(hours=1)).isoformat())
    return created


def deliver_pending(store: Any, settings: Any, now: datetime | None = None) -> dict[str, int]:
    """Send pending (and earlier failed) alerts through every configured channel."""
    now = now or utcnow()
    channels = configured(settings)
    counts = {"sent": 0, "failed": 0, "throttled": 0, "recorded": 0}
    budget = settings.alert_max_per_hour - store.alerts_sent_since(now - timedelta(hours=1))
    todo = store.list_alerts(limit=500, status="pending")[0]
    todo += [a for a in store.list_alerts(limit=100, status="failed")[0]
             if (a["detail"] or {}).get("attempts", 0) < MAX_ATTEMPTS]
    for alert in sorted(todo, key=lambda a: a["id"]):
        if not channels:
            store.update_alert(alert["id"], status="recorded")
            counts["recorded"] += 1
            continue
        if budget <= 0:
            store.update_alert(alert["id"], status="throttled")
            counts["throttled"] += 1
            continue
        results = dict(alert["deliveries"] or {})
        for name, send in channels.items():
            if results.get(name) != "ok":
                results[name] = send(settings, alert)
        ok = any(v == "ok" for v in results.values())
        detail = dict(alert["detail"] or {})
        detail["attempts"] = detail.get("attempts", 0) + 1
        store.update_alert(alert["id"], status="sent" if ok else "failed", deliveries=results,
                           detail=detail)
        counts["sent" if ok else "failed"] += 1
        budget -= 1
    return counts


def run(store: Any, settings: Any, now: datetime | None = None) -> dict[str, int]:
    """One alert cycle: collect signals, deliver. ``vimon alerts run`` calls this."""
    created = collect_signals(store, settings, now)
    return {"created": created, **deliver_pending(store, settings, now)}
