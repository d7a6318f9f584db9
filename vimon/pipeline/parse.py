"""Turn one input row (a dict from JSONL, CSV or the API) into an :class:`Item` or a
:class:`Rejection` with a specific reason. Nothing here raises for bad data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import orjson

from vimon.errors import REJECT_REASONS
from vimon.records import ITEM_KINDS, Item, Rejection

_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_METRIC_KEYS = ("likes", "shares", "comments", "views")
_STR_FIELDS = ("id", "source", "url", "title", "author", "parent_id", "lang", "kind")


class _Bad(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (naive = Asia/Ho_Chi_Minh) or Unix seconds → naive UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Bad("invalid_date", f"published_at={value!r} is not a date")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError) as exc:
            raise _Bad("invalid_date", f"published_at={value!r}: {exc}") from exc
    if not isinstance(value, str):
        raise _Bad("invalid_date", f"published_at has type {type(value).__name__}, expected text")
    raw = value.strip()
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError as exc:
        raise _Bad("invalid_date", f"published_at={value[:80]!r} is not ISO 8601") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_LOCAL)
    if not 1990 <= dt.year <= 2100:
        raise _Bad("invalid_date", f"published_at={value[:80]!r} is out of range (1990–2100)")
    return dt.astimezone(UTC).replace(tzinfo=None)


def source_key(value: str) -> str:
    """A source key: a registered key, or the host of a URL/domain (lower case, no www.)."""
    v = value.strip()
    if "://" in v:
        v = urlsplit(v).hostname or v
    v = v.lower()
    return v[4:] if v.startswith("www.") else v


def _int(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Bad("wrong_type", f"{name} must be a whole number, got a boolean")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    else:
        raise _Bad("wrong_type", f"{name} must be a whole number, got {str(value)[:40]!r}")
    if n < 0:
        raise _Bad("wrong_type", f"{name} must not be negative")
    return n


def _obj(name: str, value: Any) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):  # CSV carries objects as JSON text
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _Bad("wrong_type", f"{name} is not a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise _Bad("wrong_type", f"{name} must be an object, got {type(value).__name__}")
    return value


def _row_item(row: dict[str, Any], origin: str, max_chars: int) -> Item:
    text = row.get("text")
    if text is None or (isinstance(text, str) and not text.strip()):
        raise _Bad("missing_text", "field 'text' is missing or empty")
    if not isinstance(text, str):
        raise _Bad("wrong_type", f"text must be a string, got {type(text).__name__}")
    if len(text) > max_chars:
        raise _Bad("text_too_long", f"text has {len(text):,} characters; the limit is {max_chars:,}")
    # NUL cannot be stored in PostgreSQL text and means nothing in Vietnamese prose.
    text = text.replace("\x00", "\ufffd")
    vals: dict[str, str | None] = {}
    for f in _STR_FIELDS:
        v = row.get(f)
        if v is None or v == "":
            vals[f] = None
        elif isinstance(v, str):
            vals[f] = v.replace("\x00", "\ufffd").strip()[:2000] or None
        elif isinstance(v, int) and not isinstance(v, bool) and f in ("id", "parent_id"):
            vals[f] = str(v)
        else:
            raise _Bad("wrong_type", f"{f} must be a string, got {type(v).__name__}")
    kind = (vals["kind"] or "post").lower()
    if kind not in ITEM_KINDS:
        raise _Bad("wrong_type", f"kind={kind[:40]!r} is not one of {', '.join(ITEM_KINDS)}")
    url = vals["url"]
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise _Bad("bad_url", f"url={url[:80]!r} is not an http(s) URL")
    metrics = _obj("metrics", row.get("metrics"))
    if metrics is not None:
        metrics = {k: m for k in _METRIC_KEYS if (m := _int(f"metrics.{k}", metrics.get(k))) is not None}
    src = vals["source"]
    return Item(
        text=text,
        kind=kind,
        source=source_key(src) if src else (source_key(url) if url else None),
        external_id=vals["id"],
        url=url,
        title=vals["title"],
        author=vals["author"],
        published_at=parse_time(row.get("published_at")),
        parent_id=vals["parent_id"],
        lang=vals["lang"],
        metrics=metrics or None,
        followers=_int("followers", row.get("followers")),
        extra=_obj("extra", row.get("extra")),
        origin=origin,
    )


def parse_record(row: Any, origin: str, line: int | None, max_chars: int) -> Item | Rejection:
    """:func:`parse_row` for a decoded record (the API, the collectors): a rejection keeps
    the record as JSON."""
    raw = orjson.dumps(row, default=str) if isinstance(row, dict | list) else repr(row)
    return parse_row(row, origin, line, raw, max_chars)


def parse_row(
    row: Any, origin: str, line: int | None, raw: str | bytes, max_chars: int
) -> Item | Rejection:
    if not isinstance(row, dict):
        return Rejection(origin, line, "not_object", REJECT_REASONS["not_object"], raw)
    try:
        return _row_item(row, f"{origin}:{line}" if line is not None else origin, max_chars)
    except _Bad as bad:
        where = f" (line {line})" if line is not None else ""
        return Rejection(origin, line, bad.code, f"{bad.detail}{where}", raw)
