"""The sources registry service (``vimon sources …`` and the admin page call this)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from vimon.errors import InputError, VimonError
from vimon.pipeline.parse import source_key
from vimon.records import SOURCE_KINDS

_PLATFORM_HOSTS = {
    "facebook.com": ("facebook", "social-page"),
    "fb.com": ("facebook", "social-page"),
    "youtube.com": ("youtube", "video-channel"),
    "youtu.be": ("youtube", "video-channel"),
    "tiktok.com": ("tiktok", "social-page"),
    "zalo.me": ("zalo", "social-page"),
}


def detect(url: str) -> tuple[str, str]:
    """(platform, kind) guessed from a URL; the admin can always correct the kind."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.").removeprefix("m.")
    for suffix, found in _PLATFORM_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            platform, kind = found
            if platform == "facebook" and "/groups/" in url:
                kind = "social-group"
            return found[0], kind
    if host.endswith(".gov.vn"):
        return "web", "state-portal"
    return "web", "other"


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise VimonError(
            "VM-SRC-001", f"URL nguồn không hợp lệ / invalid source URL: {url!r}",
            "Dùng địa chỉ đầy đủ, ví dụ https://example.vn/rss",
        )


def add_source(
    store: Any, url: str, *, kind: str | None = None, name: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    _check_url(url)
    platform, guessed = detect(url)
    kind = kind or guessed
    if kind not in SOURCE_KINDS:
        raise VimonError(
            "VM-SRC-002", f"Loại nguồn không hợp lệ / unknown source kind {kind!r}",
            "Một trong / one of: " + ", ".join(SOURCE_KINDS),
        )
    key = fields.pop("key", None) or source_key(url)
    platform = fields.pop("platform", None) or platform
    store.upsert_source({"key": key, "url": url, "kind": kind, "platform": platform,
                         "name": name or key, **fields})
    return store.get_source(key)


_BOOL_TRUE = ("1", "true", "yes", "có", "co", "x")
LICENCE_SCOPES = ("press", "aggregator")


def _bool(v: str) -> bool:
    return v.strip().lower() in _BOOL_TRUE


def _list(v: str) -> list[str]:
    return [x.strip() for x in v.replace("|", ";").replace(",", ";").split(";") if x.strip()]


def source_fields(row: dict[str, str]) -> dict[str, Any]:
    """Registry fields from text values (a CSV row, a web form); raises ValueError."""
    out: dict[str, Any] = {}
    for name in ("key", "owner", "licence", "district", "ward"):
        if (row.get(name) or "").strip():
            out[name] = row[name].strip()
    scope = (row.get("licence_scope") or "").strip().lower()
    if scope:
        if scope not in LICENCE_SCOPES:
            raise ValueError(f"licence_scope={scope!r}: one of {', '.join(LICENCE_SCOPES)}")
        out["licence_scope"] = scope
    for name in ("followers", "crawl_interval"):
        if (row.get(name) or "").strip():
            n = int(row[name].strip().replace(".", "").replace(",", ""))
            if n < 0:
                raise ValueError(f"{name} must not be negative")
            out[name] = n
    for name in ("official", "verified", "partner", "active"):
        if (row.get(name) or "").strip():
            out[name] = _bool(row[name])
    if (row.get("tags") or "").strip():
        out["tags"] = _list(row["tags"])
    if (row.get("feed_urls") or "").strip():
        feeds = _list(row["feed_urls"].replace(" ", ";"))
        for f in feeds:
            _check_url(f)
        out["feed_urls"] = feeds
    if (row.get("platform") or "").strip():
        out["platform"] = row["platform"].strip().lower()
    extra = {k: row[k].strip() for k in ("page_id", "group_id", "channel_id", "connector")
             if (row.get(k) or "").strip()}
    if extra:
        out["extra"] = extra
    return out


def import_sources_csv(store: Any, path: Path) -> tuple[int, list[str]]:
    """CSV columns: url (required), kind, name, key, owner, licence, licence_scope (press |
    aggregator), followers, official, verified, district, ward, partner, tags (``;``),
    feed_urls (``;``), crawl_interval (seconds), platform, page_id, group_id, channel_id,
    connector. Bad rows are reported by line; good rows are added."""
    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError("VM-IN-001", f"Không mở được tệp / cannot open {path}: {exc.strerror}") from exc
    added, errors = 0, []
    with f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "url" not in reader.fieldnames:
            raise InputError("VM-SRC-003", f"Tệp {path.name} thiếu cột 'url' / missing 'url' column")
        for n, row in enumerate(reader, start=2):
            try:
                fields = source_fields({k: v or "" for k, v in row.items() if k})
                add_source(store, (row.get("url") or "").strip(), kind=row.get("kind") or None,
                           name=row.get("name") or None, **fields)
                added += 1
            except (VimonError, ValueError) as exc:
                errors.append(f"dòng / line {n}: {exc}")
    return added, errors
