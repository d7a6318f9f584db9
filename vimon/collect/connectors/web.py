"""The connector for websites (e-newspapers, e-magazines, aggregator sites, state portals,
forums): the source URL is fetched and recognised as a feed, a sitemap or a listing page
(``extra.connector`` = ``rss`` | ``sitemap`` | ``html`` forces one); every URL of
``feed_urls`` is read as a feed; then the queued article pages are fetched."""

from __future__ import annotations

from vimon.collect.connectors.base import RunContext, SourceFailed
from vimon.collect.connectors.html import collect_listing, crawl_pending
from vimon.collect.connectors.rss import collect_feed, looks_like_feed, looks_like_html
from vimon.collect.connectors.sitemap import collect_sitemap
from vimon.collect.fetch import FEED_TYPES, HTML_TYPES, SITEMAP_TYPES

_ANY = tuple(dict.fromkeys(FEED_TYPES + HTML_TYPES + SITEMAP_TYPES))


def _sniff(body: bytes, url: str) -> str | None:
    head = body[:2048].lower()
    if body[:2] == b"\x1f\x8b" or b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if looks_like_feed(body):
        return "rss"
    if looks_like_html(body) or b"<body" in head:
        return "html"
    return None


async def collect_web(ctx: RunContext) -> None:
    url = ctx.source.get("url")
    feeds = [f for f in (ctx.source.get("feed_urls") or []) if isinstance(f, str) and f]
    if not url and not feeds:
        raise SourceFailed("bad_source", "nguồn không có URL / source has no URL")
    reached = 0
    tried = 0
    if url:
        tried += 1
        forced = ctx.extra.get("connector")
        if forced == "rss":
            reached += await collect_feed(ctx, url)
        elif forced == "sitemap":
            reached += await collect_sitemap(ctx, url)
        else:
            reached += await _entry(ctx, url, forced)
    for f in feeds:
        tried += 1
        reached += await collect_feed(ctx, f)
    await crawl_pending(ctx)
    if tried and not reached:
        code = ctx.stats.failures.most_common(1)[0][0] if ctx.stats.failures else "error"
        raise SourceFailed(code, f"không đọc được điểm vào nào của nguồn / no entry point of "
                           f"{ctx.key} could be read", ctx.postpone)


async def _entry(ctx: RunContext, url: str, forced: str | None) -> bool:
    res = await ctx.conditional_fetch(url, accept=_ANY)
    if res.not_modified:
        return True
    if not res.ok:
        await ctx.fail_fetch(res)
        return False
    kind = forced or _sniff(res.body, url)
    if kind == "sitemap":
        return await collect_sitemap(ctx, url, res=res)
    if kind == "rss":
        return await collect_feed(ctx, url, res=res)
    if kind == "html":
        ok = await collect_listing(ctx, url, res)
        await ctx.db(ctx.store.set_fetch_state, ctx.source_id, url,
                     etag=res.headers.get("etag"), last_modified=res.headers.get("last-modified"))
        return ok
    await ctx.fail(url, "bad_content_type",
                   f"neither a feed, a sitemap nor a web page ({res.content_type or '?'})",
                   res.body[:4096])
    return False
