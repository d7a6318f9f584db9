"""HTML article pages and listing pages.

Article pages come from the source's crawl queue (filled by feeds, sitemaps and listing
pages), are fetched only on the source's own host, and become one ``article`` item each:
main text by trafilatura, date by htmldate (else the feed's date), the page snapshot as
evidence. Chunks of pages are fetched concurrently while the previous chunk is written, and
a chunk's queue entries are marked done only after its items are committed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from vimon.collect.connectors.base import RunContext
from vimon.collect.extract import fetched_page, page_links
from vimon.collect.fetch import HTML_TYPES, FetchResult
from vimon.collect.reasons import TRANSIENT

MAX_ATTEMPTS = 3
# Chunks fetched but not yet stored, at most (each holds its pages' bodies).
AHEAD = 2


async def collect_listing(ctx: RunContext, url: str, res: FetchResult) -> bool:
    """Queue the in-source article links of a section/home page (or the page itself)."""
    links = page_links(res.body, res.final_url, res.charset)
    await ctx.emit([], [ctx.snap(res, "page")])
    arts = links["articles"] or [res.final_url]
    await ctx.db(ctx.store.enqueue_urls, ctx.source_id,
                 [(u, {"via": "listing", "listing": url}) for u in arts])
    for feed in links["feeds"][:2]:
        from vimon.collect.connectors.rss import collect_feed

        await collect_feed(ctx, feed, strict=False, depth=1)
    return True


async def _page(ctx: RunContext, entry: dict[str, Any],
                prior: dict[str, Any] | None = None) -> dict[str, Any]:
    res = await ctx.fetch(entry["url"], accept=HTML_TYPES, same_host=True, prior=prior)
    if not res.ok:
        return {"entry": entry, "res": res, "code": res.error or f"http_{res.status}"}
    return {"entry": entry, "res": res}


async def crawl_pending(ctx: RunContext) -> None:
    """Three steps per chunk of queued pages, overlapping across neighbouring chunks: fetch
    (this event loop), extract and prepare (worker processes), store (a thread, in chunk
    order). Fetching runs ahead of storing by at most ``AHEAD`` chunks. For a host taking
    requests with no delay the workers fetch too (:mod:`vimon.collect.crawl`)."""
    budget = ctx.settings.collect_max_pages_per_run
    chunk = ctx.settings.collect_chunk_pages
    after = 0
    pending: deque[asyncio.Task[None]] = deque()
    total = (await ctx.db(ctx.store.queue_counts, ctx.source_id)).get("pending", 0)
    ctx.progress("pages", total=min(total, budget), done=0)
    done_count = 0
    try:
        while budget > 0 and ctx.postpone is None:
            pend = await ctx.db(ctx.store.pending_urls, ctx.source_id, min(chunk, budget),
                                MAX_ATTEMPTS, after)
            if not pend:
                break
            after = pend[-1]["id"]
            budget -= len(pend)
            if ctx.crawls(pend[0]["url"]):  # the workers fetch as well as extract
                extracting = asyncio.create_task(_crawled(ctx, pend))
            else:
                results = await asyncio.gather(*(_page(ctx, e) for e in pend))
                extracting = asyncio.create_task(_extract(ctx, results))
            before = pending[-1] if pending else None
            pending.append(asyncio.create_task(_commit(ctx, extracting, before)))
            while len(pending) > AHEAD or (pending and pending[0].done()):
                await pending.popleft()
            done_count += len(pend)
            ctx.progress("pages", done=done_count)
    except BaseException:
        # Chunks not stored stay pending in the queue: the next run fetches them again
        # (storing is idempotent), so stopping here loses nothing.
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        raise
    while pending:
        await pending.popleft()


async def _extract(ctx: RunContext, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fetched = [r for r in results if "code" not in r]
    if fetched:
        # The whole chunk at once: one job per worker process instead of one per page.
        done_pages = await ctx.articles([fetched_page(r["entry"], r["res"]) for r in fetched])
        for r, page in zip(fetched, done_pages, strict=True):
            r.update(page)
    return results


async def _crawled(ctx: RunContext, pend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A chunk fetched and extracted by the workers; the pages they handed back (redirects,
    errors worth retrying, other hosts, robots.txt) fetched here the ordinary way."""
    crawled: list[dict[str, Any] | None] = await ctx.crawl(pend) or [None] * len(pend)
    done = [r is not None and "res" in r for r in crawled]
    rest = [(e, r["prior"] if r else None)
            for e, r, d in zip(pend, crawled, done, strict=True) if not d]
    later = iter(await _extract(ctx, await asyncio.gather(*(_page(ctx, e, p) for e, p in rest)))
                 if rest else [])
    return [{"entry": e, **r} if d and r is not None else next(later)
            for e, r, d in zip(pend, crawled, done, strict=True)]


async def _commit(ctx: RunContext, extracting: asyncio.Task[list[dict[str, Any]]],
                  before: asyncio.Task[None] | None) -> None:
    results = await extracting
    if before is not None:
        await before  # chunks are stored in order
    rows: list[Any] = []
    snaps: list[Any] = []
    links: list[Any] = []
    done: list[Any] = []
    failed: list[Any] = []
    retry: list[Any] = []
    for r in results:
        qid = r["entry"]["id"]
        if "record" in r:
            ctx.stats.pages += 1
            links.append((len(snaps), r["entry"]["url"]))
            snaps.append(ctx.snap(r["res"], "page", zbody=r["zbody"]))
            rows.append(r["record"])
            done.append(qid)
            continue
        code = r["code"]
        res: FetchResult = r["res"]
        await ctx.fail(r["entry"]["url"], code, r.get("detail") or res.detail, res.body[:4096])
        if code in TRANSIENT:
            retry.append((qid, code))
        else:
            failed.append((qid, code))
    await ctx.emit(rows, snaps, links)
    await ctx.db(ctx.store.mark_urls, ctx.source_id, done=done, failed=failed, retry=retry,
                 max_attempts=MAX_ATTEMPTS)


def same_host(a: str, b: str) -> bool:
    return urlsplit(a).hostname == urlsplit(b).hostname
