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
    store.upsert_source({"key": key, "url": url, "kind": kind, "platform": platform,
                         "name": name or key, **fields})
    return store.get_source(key)


def import_sources_csv(store: Any, path: Path) -> tuple[int, list[str]]:
    """CSV columns: url (required), kind, name, key, followers, official, district."""
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
                extra: dict[str, Any] = {}
                if row.get("followers"):
                    extra["followers"] = int(row["followers"])
                if row.get("official"):
                    extra["official"] = row["official"].strip().lower() in ("1", "true", "yes", "có")
                if row.get("district"):
                    extra["district"] = row["district"].strip()
                if row.get("key"):
                    extra["key"] = row["key"].strip()
                add_source(store, (row.get("url") or "").strip(), kind=row.get("kind") or None,
                           name=row.get("name") or None, **extra)
                added += 1
            except (VimonError, ValueError) as exc:
                errors.append(f"dòng / line {n}: {exc}")
    return added, errors
