"""Polite, bounded HTTP fetching for every connector.

One :class:`Fetcher` per collection run: an ``httpx.AsyncClient`` with

* robots.txt honoured (cached per origin; ``Crawl-delay`` raises the host delay);
* per-host concurrency and a minimum delay between two requests to one host, and a global
  cap on requests in flight;
* conditional GET (``If-None-Match`` / ``If-Modified-Since``);
* retries with exponential backoff and full jitter for 429, 5xx, timeouts and connection
  errors; ``Retry-After`` is obeyed (and pauses the whole host) up to a ceiling;
* connect and read timeouts, and a *total* time per attempt that also stops a server
  trickling one byte per second (``asyncio.timeout`` around the whole exchange);
* a body limit on the wire, a decompressed-size limit (compression bombs), a redirect limit
  with loop detection, a content-type check, and a configurable User-Agent.

A fetch never raises for anything the network does: it returns a :class:`FetchResult` with
``error`` set to a reason code of :mod:`vimon.collect.reasons`.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from vimon.collect.decode import DecodeError, DecodeLimit, LimitedDecoder

log = logging.getLogger(__name__)

# Content types a connector may ask for.
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/x-rss+xml", "text/html", "text/plain",
              "application/octet-stream")  # feeds are often mislabelled; parsing decides
SITEMAP_TYPES = ("application/xml", "text/xml", "application/gzip", "application/x-gzip",
                 "text/plain", "application/octet-stream")
JSON_TYPES = ("application/json", "text/javascript", "text/json")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class FetchResult:
    url: str
    final_url: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fetched_at: datetime = field(default_factory=utcnow)
    sha256: str = ""
    elapsed: float = 0.0
    error: str | None = None  # reason code; None = success (2xx) or not modified (304)
    detail: str = ""
    retry_after: float | None = None
    redirects: list[str] = field(default_factory=list)
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def not_modified(self) -> bool:
        return self.error is None and self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            k, _, v = part.partition("=")
            if k.strip().lower() == "charset" and v.strip():
                return v.strip().strip("\"'")
        return None


class FetchFailure(Exception):
    """One attempt's failure: a reason code (``vimon.collect.reasons``), what happened, and
    the status and ``Retry-After`` when the server gave them."""

    def __init__(self, code: str, detail: str = "", *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class HostGate:
    """At most ``concurrency`` requests to a host at once, starts at least ``delay`` apart;
    a ``Retry-After`` pushes the next start for everyone using the host."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.concurrency = max(1, concurrency)
        self.sem = asyncio.Semaphore(self.concurrency)
        self.delay = delay
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    async def __aenter__(self) -> HostGate:
        await self.sem.acquire()
        try:
            async with self.lock:
                wait = self.next_at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.next_at = time.monotonic() + self.delay
        except BaseException:
            self.sem.release()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.sem.release()

    def pause(self, seconds: float) -> None:
        self.next_at = max(self.next_at, time.monotonic() + seconds)


def origin_of(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def client_options(settings: Any) -> dict[str, Any]:
    """The options of every HTTP client of a collection (the fetcher's, the workers')."""
    return {
        "follow_redirects": False,  # followed by hand: loops, limits, same-host checks
        "timeout": httpx.Timeout(connect=settings.collect_connect_timeout,
                                 read=settings.collect_read_timeout,
                                 write=settings.collect_read_timeout,
                                 pool=settings.collect_total_timeout),
        "headers": {"User-Agent": settings.collect_user_agent,
                    "Accept-Encoding": "gzip, deflate, br"},
        "limits": httpx.Limits(max_connections=max(4, settings.collect_concurrency * 2),
                               max_keepalive_connections=max(4, settings.collect_concurrency)),
        "trust_env": False,  # never route through a proxy from the environment
    }


def accept_header(accept: tuple[str, ...]) -> str:
    return ", ".join(accept[:4]) + ", */*;q=0.1"


def check_head(res: FetchResult, url: str, status: int, headers: Any,
               accept: tuple[str, ...] | None, limit: int) -> str:
    """Record a response's status and headers and decide what comes next: ``"done"`` (a
    redirect or 304: no body), ``"error_body"`` (4xx: read the start of the body quietly,
    then :func:`status_failure`) or ``"body"``. Raises ``FetchFailure`` for 429, 5xx, an unwanted
    content type and a declared length over ``limit``. Shared by the fetcher and the
    extraction workers' direct fetches."""
    res.status = status
    res.headers = {k.lower(): v for k, v in headers.items()}
    if status in (301, 302, 303, 307, 308, 304):
        return "done"
    if status == 429:
        raise FetchFailure("rate_limited", f"429 from {url}", status=status,
                           retry_after=parse_retry_after(res.headers.get("retry-after")))
    if status >= 500:
        raise FetchFailure("http_5xx", f"{status} from {url}", status=status,
                           retry_after=parse_retry_after(res.headers.get("retry-after")))
    if status >= 400:
        return "error_body"  # platform APIs explain errors in JSON: keep the start
    ctype = res.content_type
    if accept and ctype and ctype not in accept:
        raise FetchFailure("bad_content_type", f"{ctype} from {url}; expected "
                           + ", ".join(accept[:3]), status=status)
    declared = res.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchFailure("body_too_large",
                           f"Content-Length {int(declared):,} > {limit:,} bytes", status=status)
    return "body"


RETRIABLE = frozenset({"rate_limited", "http_5xx", "connect_timeout", "read_timeout",
                       "total_timeout", "connection_error"})


def transport_failure(exc: Exception, url: str) -> FetchFailure:
    """The failure an httpx (or socket) error stands for."""
    if isinstance(exc, httpx.ConnectTimeout):
        return FetchFailure("connect_timeout", f"{url}: {exc!r}")
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return FetchFailure("read_timeout", f"{url}: {type(exc).__name__}")
    if isinstance(exc, httpx.TooManyRedirects):  # pragma: no cover - redirects are manual
        return FetchFailure("too_many_redirects", str(exc))
    if isinstance(exc, httpx.InvalidURL):
        return FetchFailure("http_4xx", f"invalid URL {url[:200]!r}: {exc}")
    return FetchFailure("connection_error", f"{url}: {type(exc).__name__}: {exc}")


def total_timeout_failure(url: str, seconds: float) -> FetchFailure:
    return FetchFailure("total_timeout", f"over {seconds:g}s for {url}")


def status_failure(url: str, status: int) -> FetchFailure:
    code = "http_404" if status in (404, 410) else "http_4xx"
    return FetchFailure(code, f"{status} from {url}", status=status)


class BodyReader:
    """A body read chunk by chunk within the wire limit and the decoded limit (compression
    bombs). ``quiet`` (error bodies, only informative) keeps what fits and never raises.
    :meth:`feed` says whether to go on; :meth:`finish` at the end of the stream; the body
    lands in ``res.body``."""

    def __init__(self, res: FetchResult, encoding: str | None, limit: int, max_decoded: int,
                 *, quiet: bool = False) -> None:
        self.res, self.limit, self.max_decoded, self.quiet = res, limit, max_decoded, quiet
        self.wire = 0
        self.parts: list[bytes] = []
        self.done = False
        try:
            self.dec = LimitedDecoder(encoding, max_decoded)
        except DecodeError as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        """Stop on a decoding failure; outside ``quiet`` it is the fetch's failure."""
        self.done = True
        if self.quiet:
            return
        status = self.res.status
        if isinstance(exc, DecodeLimit):
            code = "decompression_bomb" if self.dec.encoded else "body_too_large"
            raise FetchFailure(code, f"decoded body over {self.max_decoded:,} bytes after "
                               f"{self.wire:,} bytes on the wire", status=status) from None
        raise FetchFailure("bad_content_encoding", str(exc), status=status) from None

    def feed(self, chunk: bytes) -> bool:
        self.wire += len(chunk)
        if self.wire > self.limit:
            if not self.quiet:
                raise FetchFailure("body_too_large", f"over {self.limit:,} bytes on the wire",
                                   status=self.res.status)
            self.res.body = b"".join(self.parts)
            self.done = True
            return False
        try:
            self.parts.append(self.dec.feed(chunk))
        except (DecodeLimit, DecodeError) as exc:
            self._failed(exc)
            return False
        return True

    def finish(self) -> None:
        try:
            self.parts.append(self.dec.flush())
        except (DecodeLimit, DecodeError) as exc:
            self._failed(exc)
            return
        self.res.body = b"".join(self.parts)


class Fetcher:
    def __init__(self, settings: Any, *, concurrency: int | None = None) -> None:
        self.s = settings
        self.client = httpx.AsyncClient(**client_options(settings))
        self.sem = asyncio.Semaphore(max(1, concurrency or settings.collect_concurrency))
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, tuple[RobotFileParser | None, str | None]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self.requests = 0

    async def close(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def gate(self, url: str) -> HostGate:
        key = origin_of(url)
        g = self._gates.get(key)
        if g is None:
            g = self._gates[key] = HostGate(self.s.collect_host_concurrency,
                                            self.s.collect_host_delay)
        return g

    # ------------------------------------------------------------------ robots.txt
    async def allowed(self, url: str) -> tuple[bool, str | None]:
        """(allowed, reason code when not)."""
        if not self.s.collect_respect_robots:
            return True, None
        key = origin_of(url)
        if key not in self._robots:
            lock = self._robots_locks.setdefault(key, asyncio.Lock())
            async with lock:
                if key not in self._robots:
                    self._robots[key] = await self._load_robots(key)
        parser, failure = self._robots[key]
        if failure:
            return False, failure
        if parser is None or parser.can_fetch(self.s.collect_user_agent, url):
            return True, None
        return False, "robots_disallow"

    async def _load_robots(self, origin: str) -> tuple[RobotFileParser | None, str | None]:
        res = await self._exchange(origin + "/robots.txt", accept=None, headers={},
                                   max_bytes=512 * 1024, check_robots=False, retries=1)
        if res.error in (None, "http_4xx", "http_404") and res.status is not None:
            if res.status >= 400:  # RFC 9309: 4xx = no rules
                return None, None
            parser = RobotFileParser()
            parser.parse(res.body.decode("utf-8", "replace").splitlines())
            delay = parser.crawl_delay(self.s.collect_user_agent)
            if delay:
                gate = self.gate(origin)
                gate.delay = max(gate.delay, min(float(delay), 60.0))
            return parser, None
        if res.error == "robots_disallow":
            return None, None
        # RFC 9309: an unreachable robots.txt (5xx, network) means "assume complete disallow".
        return None, "robots_unreachable"

    # ------------------------------------------------------------------ fetch
    async def fetch(
        self, url: str, *, accept: tuple[str, ...] | None = HTML_TYPES,
        etag: str | None = None, last_modified: str | None = None,
        headers: dict[str, str] | None = None, max_bytes: int | None = None,
        check_robots: bool = True, same_host: bool = False, prior: dict[str, Any] | None = None,
    ) -> FetchResult:
        """GET ``url`` under every rule of this module. ``prior``: a first attempt already
        made elsewhere that failed in a way worth retrying (``code``, ``detail``, ``status``,
        ``retry_after``, as :func:`vimon.collect.crawl.fetch_direct` reports it); this fetch
        goes on from the second attempt, after the wait the failure calls for."""
        h = dict(headers or {})
        if etag:
            h["If-None-Match"] = etag
        if last_modified:
            h["If-Modified-Since"] = last_modified
        if accept:
            h.setdefault("Accept", accept_header(accept))
        return await self._exchange(url, accept=accept, headers=h, max_bytes=max_bytes,
                                    check_robots=check_robots, same_host=same_host, prior=prior)

    def _wait_after(self, res: FetchResult, f: FetchFailure, attempt: int, tries: int,
                    url: str) -> float | None:
        """Record failed attempt number ``attempt`` (0-based) in ``res``; the seconds to wait
        before the next one, or None when there is none (not retriable, the last attempt,
        or a ``Retry-After`` longer than the ceiling: the scheduler postpones the source)."""
        res.attempts = attempt + 1
        res.error, res.detail, res.retry_after = f.code, f.detail, f.retry_after
        if f.status is not None:
            res.status = f.status
        if f.code not in RETRIABLE or attempt == tries - 1:
            return None
        if f.retry_after is not None:
            if f.retry_after > self.s.collect_retry_after_max:
                return None
            self.gate(res.final_url or url).pause(f.retry_after)
            return f.retry_after
        cap = min(self.s.collect_backoff_max, self.s.collect_backoff_base * 2 ** attempt)
        return random.uniform(cap / 2, cap)  # "equal jitter": never zero, never herds

    async def _exchange(
        self, url: str, *, accept: tuple[str, ...] | None, headers: dict[str, str],
        max_bytes: int | None, check_robots: bool, retries: int | None = None,
        same_host: bool = False, prior: dict[str, Any] | None = None,
    ) -> FetchResult:
        res = FetchResult(url=url, final_url=url)
        t0 = time.monotonic()
        tries = 1 + (self.s.collect_retries if retries is None else retries)
        first = 0
        if prior is not None:  # the first attempt was made elsewhere (an extraction worker)
            wait = self._wait_after(res, FetchFailure(**prior), 0, tries, url)
            if wait is None:
                first = tries
            else:
                await asyncio.sleep(wait)
                first = 1
        for attempt in range(first, tries):
            res.attempts = attempt + 1
            try:
                await self._attempt(res, url, accept, headers, max_bytes, check_robots, same_host)
                res.error, res.detail = None, ""
                break
            except FetchFailure as f:
                wait = self._wait_after(res, f, attempt, tries, url)
                if wait is None:
                    break
                await asyncio.sleep(wait)
        res.elapsed = time.monotonic() - t0
        if res.error is None:
            res.sha256 = hashlib.sha256(res.body).hexdigest()
        return res

    async def _attempt(
        self, res: FetchResult, url: str, accept: tuple[str, ...] | None,
        headers: dict[str, str], max_bytes: int | None, check_robots: bool, same_host: bool,
    ) -> None:
        res.redirects = []
        res.body = b""
        current = url
        seen = {url}
        start_host = urlsplit(url).hostname
        for _hop in range(self.s.collect_max_redirects + 1):
            if check_robots:
                ok, why = await self.allowed(current)
                if not ok:
                    raise FetchFailure(why or "robots_disallow", f"robots.txt: {current}")
            status = await self._one(res, current, accept, headers, max_bytes)
            if status in (301, 302, 303, 307, 308):
                loc = res.headers.get("location")
                if not loc:
                    raise FetchFailure("http_4xx", f"redirect {status} without Location", status=status)
                nxt = urljoin(current, loc)
                if urlsplit(nxt).scheme not in ("http", "https"):
                    raise FetchFailure("http_4xx", f"redirect to a non-HTTP URL {nxt[:200]!r}")
                if same_host and urlsplit(nxt).hostname != start_host:
                    raise FetchFailure("off_source_redirect", f"{current} → {nxt}")
                res.redirects.append(nxt)
                if nxt in seen:
                    raise FetchFailure("redirect_loop", " → ".join([url, *res.redirects])[:2000])
                seen.add(nxt)
                current = nxt
                res.final_url = nxt
                continue
            res.final_url = current
            return
        raise FetchFailure("too_many_redirects",
                           f"{len(res.redirects)} redirects: " + " → ".join(res.redirects)[:2000])

    async def _one(
        self, res: FetchResult, url: str, accept: tuple[str, ...] | None,
        headers: dict[str, str], max_bytes: int | None,
    ) -> int:
        limit = max_bytes or self.s.collect_max_body_bytes
        async with self.sem, self.gate(url):
            self.requests += 1
            res.fetched_at = utcnow()
            try:
                async with asyncio.timeout(self.s.collect_total_timeout):
                    return await self._stream(res, url, accept, headers, limit)
            except TimeoutError:
                raise total_timeout_failure(url, self.s.collect_total_timeout) from None
            except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
                raise transport_failure(exc, url) from None

    async def _stream(
        self, res: FetchResult, url: str, accept: tuple[str, ...] | None,
        headers: dict[str, str], limit: int,
    ) -> int:
        async with self.client.stream("GET", url, headers=headers) as resp:
            status = resp.status_code
            step = check_head(res, url, status, resp.headers, accept, limit)
            if step == "done":
                return status
            if step == "error_body":
                await self._read(res, resp, min(limit, 64 * 1024), quiet=True)
                raise status_failure(url, status)
            await self._read(res, resp, limit)
            return status

    async def _read(self, res: FetchResult, resp: httpx.Response, limit: int,
                    quiet: bool = False) -> None:
        reader = BodyReader(res, resp.headers.get("content-encoding"), limit,
                            self.s.collect_max_decoded_bytes, quiet=quiet)
        if reader.done:
            return
        async for chunk in resp.aiter_raw():
            if not reader.feed(chunk):
                return
        reader.finish()
