"""Sitemaps: ordinary (``urlset``), news (``news:news``) and indexes (``sitemapindex``),
plain or gzipped. Parsed with entities and network access off. Only URLs on the source's
host are queued; an index is followed one level down, newest child sitemaps first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import lxml.etree

from vimon.collect.connectors.base import RunContext
from vimon.collect.decode import DecodeError, DecodeLimit, gunzip_limited
from vimon.collect.fetch import SITEMAP_TYPES, FetchResult

_MAX_CHILDREN = 20


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, limit: int) -> tuple[str, list[dict[str, Any]]]:
    """("urlset" | "index", entries) — raises ValueError for anything else."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip_limited(body, limit)
        except (DecodeError, DecodeLimit) as exc:
            raise ValueError(f"gzip: {exc!r}") from exc
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=False,
                                  huge_tree=False, load_dtd=False)
    try:
        root = lxml.etree.fromstring(body, parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise ValueError(f"XML: {exc}") from exc
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"root element <{kind}> is not a sitemap")
    out = []
    for node in root:
        if _local(node.tag) not in ("url", "sitemap"):
            continue
        entry: dict[str, Any] = {}
        for child in node.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and "loc" not in entry:
                entry["loc"] = text
            elif name == "lastmod":
                entry["lastmod"] = text
            elif name == "publication_date":
                entry["published_at"] = text
            elif name == "title" and text:
                entry["title"] = text
        if entry.get("loc"):
            out.append(entry)
    return ("index" if kind == "sitemapindex" else "urlset"), out


async def collect_sitemap(ctx: RunContext, url: str, *, res: FetchResult | None = None,
                          depth: int = 0) -> bool:
    if res is None:
        res = await ctx.conditional_fetch(url, accept=SITEMAP_TYPES)
    if res.not_modified:
        return True
    if not res.ok:
        await ctx.fail_fetch(res)
        return False
    try:
        kind, entries = parse_sitemap(res.body, ctx.settings.collect_max_decoded_bytes)
    except ValueError as exc:
        await ctx.fail(url, "bad_sitemap", str(exc)[:500], res.body[:4096])
        return False
    await ctx.emit([], [ctx.snap(res, "sitemap")])
    host = urlsplit(ctx.source.get("url") or url).hostname
    inside = [e for e in entries if urlsplit(e["loc"]).hostname == host]
    ok = True
    if kind == "index":
        if depth == 0:
            inside.sort(key=lambda e: e.get("lastmod") or "", reverse=True)
            for child in inside[:_MAX_CHILDREN]:
                ok = await collect_sitemap(ctx, child["loc"], depth=1) and ok
    else:
        await ctx.db(ctx.store.enqueue_urls, ctx.source_id, [
            (e["loc"], {"via": "sitemap", "title": e.get("title"),
                        "published_at": e.get("published_at") or e.get("lastmod")})
            for e in inside
        ])
    await ctx.db(ctx.store.set_fetch_state, ctx.source_id, url,
                 etag=res.headers.get("etag"), last_modified=res.headers.get("last-modified"))
    return ok
