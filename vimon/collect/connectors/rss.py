"""RSS / Atom feeds (feedparser).

Entries whose link stays inside the source are queued for the article page (the full text
and the page snapshot); entries pointing elsewhere, or all entries when the source says
``extra.fetch_pages = false``, become items from the feed itself. A URL given as a feed that
returns a web page is searched for ``<link rel="alternate">`` feeds before it is called
``not_a_feed``; XML too broken to yield a single entry is ``bad_feed``.
"""

from __future__ import annotations

import calendar
import xml.sax
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from vimon.collect.connectors.base import RunContext
from vimon.collect.extract import page_links, strip_html
from vimon.collect.fetch import FEED_TYPES, FetchResult


def looks_like_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


def looks_like_feed(body: bytes) -> bool:
    head = body[:2048].lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def _when(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        t = entry.get(key)
        if t:
            try:
                return datetime.fromtimestamp(calendar.timegm(t), UTC).isoformat()
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def parse_feed(body: bytes, base_url: str, content_type: str = "application/xml"
               ) -> tuple[list[dict[str, Any]], str | None]:
    """(entries as plain dicts, problem) — problem is a reason code when nothing usable."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url,
                                                      "content-type": content_type})
    out = []
    for e in parsed.entries:
        link = e.get("link")
        link = urljoin(base_url, link) if link else None
        content = ""
        if e.get("content"):
            content = " ".join(c.get("value", "") for c in e.content)
        summary = e.get("summary") or ""
        text = strip_html(content or summary)
        title = strip_html(e.get("title") or "") or None
        ident = link or e.get("id")
        if not ident or not (text or title):
            continue
        out.append({"id": ident, "link": link, "title": title, "text": text,
                    "published_at": _when(e), "author": e.get("author")})
    if out:
        return out, None
    if looks_like_html(body) and not looks_like_feed(body):
        return [], "not_a_feed"
    # A charset or content-type complaint is not fatal; XML that is not well-formed is.
    broken = isinstance(parsed.get("bozo_exception"), xml.sax.SAXException)
    if broken or not parsed.get("version"):
        return [], "bad_feed"
    return [], None  # a valid, empty feed


async def collect_feed(ctx: RunContext, url: str, *, res: FetchResult | None = None,
                       strict: bool = True, depth: int = 0) -> bool:
    """Collect one feed; returns True when the feed was read (even if empty or unchanged)."""
    if res is None:
        res = await ctx.conditional_fetch(url, accept=FEED_TYPES)
    if res.not_modified:
        return True
    if not res.ok:
        await ctx.fail_fetch(res)
        return False
    entries, problem = parse_feed(res.body, res.final_url,
                                  res.headers.get("content-type") or "application/xml")
    if problem == "not_a_feed" and depth == 0:
        found = page_links(res.body, res.final_url, res.charset)["feeds"]
        if found:
            ok = False
            for f in found[:3]:
                ok = await collect_feed(ctx, f, strict=strict, depth=1) or ok
            return ok
    if problem:
        await ctx.fail(url, problem, f"{len(res.body):,} bytes, {res.content_type or '?'}",
                       res.body[:4096])
        return False
    snap = ctx.snap(res, "feed")
    host = urlsplit(ctx.source.get("url") or url).hostname
    follow = (ctx.extra.get("fetch_pages", True) is not False)
    queued, direct = [], []
    for e in entries:
        link = e["link"]
        if follow and link and urlsplit(link).hostname == host:
            queued.append((link, {"via": "feed", "title": e["title"], "summary": e["text"][:2000],
                                  "published_at": e["published_at"], "author": e["author"],
                                  "feed_sha256": res.sha256}))
        else:
            direct.append(e)
    rows = [{
        "id": e["id"], "source": ctx.key, "kind": "article", "url": e["link"],
        "title": e["title"], "text": e["text"] or e["title"], "published_at": e["published_at"],
        "author": e["author"], "extra": {"evidence_sha256": res.sha256, "via": "feed"},
    } for e in direct]
    await ctx.emit(rows, [snap], [(0, e["id"]) for e in entries])
    if queued:
        await ctx.db(ctx.store.enqueue_urls, ctx.source_id, queued)
    # Only now that the entries are stored (or queued) may the validators be remembered.
    await ctx.db(ctx.store.set_fetch_state, ctx.source_id, url,
                 etag=res.headers.get("etag"), last_modified=res.headers.get("last-modified"))
    return True
