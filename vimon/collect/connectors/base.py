"""What every connector gets: the fetcher, the source, and one way to hand items over.

A connector is a coroutine ``collect(ctx)`` that fetches, turns responses into rows of the
DESIGN ingest format, and calls :meth:`RunContext.emit` with the rows and the evidence
snapshots they came from. ``emit`` stores the snapshots (with their links to the rows) first
and then runs the rows through the pipeline; both are idempotent, so a crash between the two,
or a re-run, stores every item exactly once. Failures go through :meth:`RunContext.fail`:
a health-log event always, a quarantine entry (with the reason and the first bytes) for
content that cannot be used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vimon.collect.evidence import snapshot
from vimon.collect.fetch import Fetcher, FetchResult, origin_of
from vimon.collect.reasons import TRANSIENT, describe
from vimon.records import Rejection

log = logging.getLogger(__name__)

# Codes that make the content unusable (quarantined) rather than unreachable right now.
QUARANTINE_CODES = frozenset({
    "bad_feed", "not_a_feed", "bad_sitemap", "no_article", "bad_encoding", "body_too_large",
    "decompression_bomb", "bad_content_encoding", "bad_content_type", "redirect_loop",
    "too_many_redirects", "off_source_redirect", "file_error",
})


class SourceFailed(Exception):
    """The source's own entry point (feed, sitemap, listing, API) could not be collected."""

    def __init__(self, code: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


@dataclass
class RunStats:
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    pages: int = 0
    fetches: int = 0
    crawled: int = 0  # pages requested by the extraction workers (vimon.collect.crawl)
    snapshots: int = 0
    failures: Counter[str] = field(default_factory=Counter)


class RunContext:
    def __init__(self, store: Any, settings: Any, fetcher: Fetcher, source: dict[str, Any], *,
                 articles: Callable[..., Awaitable[list[dict[str, Any]] | None]] | None = None,
                 crawl: Callable[..., Awaitable[list[dict[str, Any] | None]]] | None = None,
                 on_progress: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = fetcher
        self.source = source
        self.key: str = source["key"]
        self.source_id: int = int(source["id"])
        self.stats = RunStats()
        self.postpone: float | None = None  # seconds, from Retry-After or a quota
        self._articles = articles
        self._crawl = crawl
        self._on_progress = on_progress

    @property
    def origin(self) -> str:
        return f"collector:{self.key}"

    @property
    def extra(self) -> dict[str, Any]:
        return self.source.get("extra") or {}

    def progress(self, event: str, **data: Any) -> None:
        if self._on_progress:
            self._on_progress(self.key, {"event": event, **data})

    async def db(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run a (blocking) store call off the event loop."""
        return await asyncio.to_thread(fn, *args, **kw)

    async def articles(self, pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """:func:`vimon.collect.extract.article_records` for fetched article pages: in the
        collector's worker processes when it has them (which then also prepare the items),
        else — or when a worker died on this chunk — in a thread."""
        if self._articles is not None:
            done = await self._articles(pages, self.key, self.origin)
            if done is not None:
                return done
        from vimon.collect.extract import article_records

        return await asyncio.to_thread(article_records, pages, self.key, self.origin,
                                       self.settings, prepare=False)

    def crawls(self, url: str) -> bool:
        """Whether :meth:`crawl` would hand pages of ``url``'s host to the workers now."""
        if self._crawl is None:
            return False
        gate = self.fetcher.gate(url)
        # Spacing requests out (a delay, a Retry-After pause) is the fetcher's job.
        return gate.delay <= 0 and gate.next_at <= time.monotonic()

    async def crawl(self, entries: list[dict[str, Any]]) -> list[dict[str, Any] | None] | None:
        """Queued article pages fetched and extracted by the worker processes
        (:mod:`vimon.collect.crawl`), when the collector has them and the host takes
        requests with no delay; None otherwise. Entries come back in order, each None (fetch
        it here, the ordinary way), ``{"prior": failure}`` (fetch it here from the second
        attempt) or its result; robots.txt is checked here first."""
        if not entries or not self.crawls(entries[0]["url"]):
            return None
        host = origin_of(entries[0]["url"])
        gate = self.fetcher.gate(host)
        mine = [origin_of(e["url"]) == host and (await self.fetcher.allowed(e["url"]))[0]
                for e in entries]
        todo = [e for e, ok in zip(entries, mine, strict=True) if ok]
        if not todo:
            return None
        crawl = self._crawl
        assert crawl is not None
        # Each worker part holds one of the host's slots while it fetches.
        got = iter(await crawl(todo, self.key, self.origin, gate.sem, gate.concurrency))
        out = [next(got) if ok else None for ok in mine]
        waits = [r["prior"]["retry_after"] or 0.0 for r in out if r is not None and "prior" in r]
        if max(waits, default=0.0) > 0:  # the host asked for a pause: nobody asks it sooner
            gate.pause(min(max(waits), self.settings.collect_retry_after_max))
        n = sum(r is not None for r in out)
        self.stats.fetches += n
        self.stats.crawled += n
        self.fetcher.requests += n
        return out

    async def conditional_fetch(self, url: str, **kw: Any) -> FetchResult:
        """GET ``url`` with the ETag / Last-Modified remembered from its last fetch."""
        state = await self.db(self.store.get_fetch_state, self.source_id, url) or {}
        return await self.fetch(url, etag=state.get("etag"),
                                last_modified=state.get("last_modified"), **kw)

    async def fetch(self, url: str, **kw: Any) -> FetchResult:
        res = await self.fetcher.fetch(url, **kw)
        self.stats.fetches += 1
        if res.error in ("rate_limited", "quota_exceeded") and res.retry_after:
            self.postpone = max(self.postpone or 0.0, res.retry_after)
        return res

    async def emit(self, rows: Sequence[Any], snaps: Sequence[dict[str, Any]] = (),
                   links: Sequence[tuple[int, str]] = ()) -> None:
        """Store ``snaps`` with ``links`` ((index into snaps, external id) of each row seen in
        that snapshot), then ingest ``rows`` (ingest rows, or items already prepared)."""
        if snaps:
            await self.db(self.store.save_evidence, list(snaps),
                          [(i, self.key, ext) for i, ext in links])
            self.stats.snapshots += len(snaps)
        if not rows:
            return
        from vimon.pipeline.ingest import ingest_records

        res = await self.db(ingest_records, self.store, self.settings, list(rows), self.origin)
        self.stats.new += res.new
        self.stats.duplicate += res.duplicate
        self.stats.rejected += res.rejected

    def snap(self, res: FetchResult, kind: str, zbody: bytes | None = None) -> dict[str, Any]:
        return snapshot(res, kind=kind, source_id=self.source_id, zbody=zbody)

    async def fail(self, url: str, code: str, detail: str = "", raw: bytes = b"") -> None:
        """Record a failure: an event in the health log; quarantine when the content itself
        is unusable (with its first bytes, so an analyst can see what came back)."""
        self.stats.failures[code] += 1
        level = "warning" if code in TRANSIENT or code == "robots_disallow" else "error"
        await self.db(self.store.add_collect_events, [{
            "source_id": self.source_id, "level": level, "code": code, "url": url[:4000],
            "detail": detail}])
        if code in QUARANTINE_CODES:
            reason = f"{describe(code)}: {detail}"[:1900] + f" — {url}"[:100]
            payload = url.encode("utf-8", "replace") + b"\n" + raw[:4096]
            await self.db(self.store.add_quarantine,
                          [Rejection(self.origin, None, code, reason, payload)])

    async def fail_fetch(self, res: FetchResult) -> None:
        await self.fail(res.url, res.error or "error", res.detail, res.body[:4096])
