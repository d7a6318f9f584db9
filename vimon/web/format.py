"""Display helpers shared by the web views, templates and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

LOCAL_TZ = timezone(timedelta(hours=7), "ICT")

KIND_LABELS = {
    "article": "Bài báo",
    "post": "Bài đăng",
    "comment": "Bình luận",
    "video": "Video",
}

METRIC_LABELS = {"likes": "thích", "shares": "chia sẻ", "comments": "bình luận", "views": "lượt xem"}


def iso_local(dt: datetime | None) -> str | None:
    """Naive-UTC database time → ISO 8601 in Asia/Ho_Chi_Minh."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(LOCAL_TZ).isoformat()


def vn_time(dt: datetime | None) -> str:
    """Naive-UTC time as Vietnamese users read it: 'HH:MM dd/mm/yyyy'."""
    if dt is None:
        return "—"
    return dt.replace(tzinfo=UTC).astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")


def vn_number(n: int | float | None) -> str:
    """Thousands separated by dots, as written in Vietnamese."""
    if n is None:
        return "—"
    return f"{n:,.0f}".replace(",", ".")
