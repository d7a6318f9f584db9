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
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from vimon.collect.evidence import snapshot
from vimon.collect.fetch import Fetcher, FetchResult
from vimon.collect.reasons import TRANSIENT, describe
from vimon.records import Rejection

log = logging.getLogger(__name__)

# Codes that make the content unusable (quarantined) rather than unreachable right now.
QUARANTINE_CODES = frozenset({
    "bad_feed", "not_a_feed", "bad_sitemap", "no_article", "bad_encoding", "body_too_large",
    "decompression_bomb", "bad_content_encoding", "bad_content_type", "redirect_loop",
    "too_many_redirects", "off_source_redirect", "file_error",
})


# Fewer rows than this go through the pipeline here: a round trip to the workers costs
# more than it saves on a handful of items.
PREPARE_MIN_ROWS = 8


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
    snapshots: int = 0
    failures: Counter[str] = field(default_factory=Counter)


class RunContext:
    def __init__(self, store: Any, settings: Any, fetcher: Fetcher, source: dict[str, Any], *,
                 extractor: Callable[..., Awaitable[dict[str, Any]]] | None = None,
                 preparer: Callable[[list[dict[str, Any]], str], Awaitable[list[Any]]] | None = None,
                 on_progress: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.store = store
        self.settings = settings
        self.fetcher = fetcher
        self.source = source
        self.key: str = source["key"]
        self.source_id: int = int(source["id"])
        self.stats = RunStats()
        self.postpone: float | None = None  # seconds, from Retry-After or a quota
        self._extractor = extractor
        self._preparer = preparer
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

    async def extract(self, body: bytes, url: str, charset: str | None) -> dict[str, Any]:
        if self._extractor is not None:
            return await self._extractor(body, url, charset, self.settings.collect_min_article_chars)
        from vimon.collect.extract import extract_article

        return await asyncio.to_thread(extract_article, body, url, charset,
                                       self.settings.collect_min_article_chars)

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

    async def emit(self, rows: Sequence[dict[str, Any]], snaps: Sequence[dict[str, Any]] = (),
                   links: Sequence[tuple[int, str]] = ()) -> None:
        """Store ``snaps`` with ``links`` ((index into snaps, external id) of each row seen in
        that snapshot), then ingest ``rows``."""
        if snaps:
            await self.db(self.store.save_evidence, list(snaps),
                          [(i, self.key, ext) for i, ext in links])
            self.stats.snapshots += len(snaps)
        if not rows:
            return
        from vimon.pipeline.ingest import ingest_records

        records: list[Any] = list(rows)
        if self._preparer is not None and len(records) >= PREPARE_MIN_ROWS:
            # Parse, normalize, sign and classify in the extraction workers: this process
            # keeps the fetching and the work that needs the store.
            records = await self._preparer(records, self.origin)
        res = await self.db(ingest_records, self.store, self.settings, records, self.origin)
        self.stats.new += res.new
        self.stats.duplicate += res.duplicate
        self.stats.rejected += res.rejected

    def snap(self, res: FetchResult, kind: str) -> dict[str, Any]:
        return snapshot(res, kind=kind, source_id=self.source_id)

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
