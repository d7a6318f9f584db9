"""Article pages fetched *and* extracted in a collector's worker process.

In a bulk crawl of a host with no delay between requests (a site of our own, a licensed
partner's archive, a back-fill), fetching is most of what the collector's main process does:
an ``httpx.AsyncClient`` request costs it about three times what the same request costs a
plain ``httpx.Client``. So for such hosts the main process hands the queued URLs to the
extraction workers, and each worker fetches its share one after the other on its own
keep-alive connection, extracts and prepares the items, and sends back the results. At most
one connection per worker part: the host's concurrency limit decides the number of parts.

Only the plain case is settled here: one GET answered 2xx with a body that passes the same
checks as the fetcher's (:func:`vimon.collect.fetch.check_head`, :class:`BodyReader`), or a
final refusal the fetcher would give too (404, another 4xx, content type, size, compression
bomb, bad encoding). A failure worth retrying (429, 5xx, a timeout, a network error) goes
back to the main process as that first attempt, and its fetcher goes on from the second,
after the wait the failure calls for (``Retry-After``, back-off), so the host sees the same
requests as without workers. After a 429 or a 5xx a worker stops asking the host and hands
back the rest of its share untried. A redirect is handed back too, and the fetcher requests
the page again and follows it under its own rules (loops, limits, same host): one request
more than without workers, for pages that redirect.

A worker runs tasks on its main thread, so a whole exchange is bounded by ``SIGALRM``
(``collect_total_timeout``): a server trickling its headers one byte a second cannot hold a
worker longer than the fetcher's own total timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from vimon.collect.fetch import (
    HTML_TYPES,
    RETRIABLE,
    BodyReader,
    FetchFailure,
    FetchResult,
    accept_header,
    check_head,
    client_options,
    status_failure,
    total_timeout_failure,
    transport_failure,
    utcnow,
)

# The host is pushing back: stop asking it from here.
BACK_OFF = frozenset({"rate_limited", "http_5xx"})

_client: tuple[tuple[Any, ...], httpx.Client] | None = None


class _Deadline(Exception):
    pass


def _options_key(settings: Any) -> tuple[Any, ...]:
    return (settings.collect_user_agent, settings.collect_connect_timeout,
            settings.collect_read_timeout, settings.collect_total_timeout,
            settings.collect_concurrency)


def _get_client(settings: Any) -> httpx.Client:
    """This process's client (kept between tasks for its keep-alive connections)."""
    global _client
    key = _options_key(settings)
    if _client is None or _client[0] != key:
        _drop_client()
        _client = (key, httpx.Client(**client_options(settings)))
    return _client[1]


def _drop_client() -> None:
    global _client
    if _client is not None:
        # A client interrupted mid-exchange may not close cleanly; it is dropped either way.
        with contextlib.suppress(Exception):
            _client[1].close()
        _client = None


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise _Deadline

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def fetch_direct(client: httpx.Client, url: str, settings: Any
                 ) -> FetchResult | dict[str, Any] | None:
    """One plain GET of an article page: its :class:`FetchResult` (a success or a final
    refusal); or a failure worth retrying as a dict (``code``, ``detail``, ``status``,
    ``retry_after``: the main process's fetcher goes on from the second attempt); or None
    for a redirect (the fetcher follows it under its own rules)."""
    res = FetchResult(url=url, final_url=url, attempts=1)
    limit = settings.collect_max_body_bytes
    t0 = time.monotonic()
    res.fetched_at = utcnow()
    failure: FetchFailure | None = None
    try:
        with _deadline(settings.collect_total_timeout), client.stream(
                "GET", url, headers={"Accept": accept_header(HTML_TYPES)}) as resp:
            status = resp.status_code
            step = check_head(res, url, status, resp.headers, HTML_TYPES, limit)
            if step == "done":
                return None
            quiet = step == "error_body"
            reader = BodyReader(res, resp.headers.get("content-encoding"),
                                min(limit, 64 * 1024) if quiet else limit,
                                settings.collect_max_decoded_bytes, quiet=quiet)
            if not reader.done:
                for chunk in resp.iter_raw():
                    if not reader.feed(chunk):
                        break
                else:
                    reader.finish()
            if quiet:
                raise status_failure(url, status)
    except FetchFailure as f:
        failure = f
    except _Deadline:
        _drop_client()  # interrupted anywhere inside the client: start a fresh one
        failure = total_timeout_failure(url, settings.collect_total_timeout)
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        _drop_client()
        failure = transport_failure(exc, url)
    if failure is not None:
        if failure.code in RETRIABLE:
            return {"code": failure.code, "detail": failure.detail, "status": failure.status,
                    "retry_after": failure.retry_after}
        res.error, res.detail = failure.code, failure.detail
        if failure.status is not None:
            res.status = failure.status
    res.elapsed = time.monotonic() - t0
    if res.error is None:
        res.sha256 = hashlib.sha256(res.body).hexdigest()
    return res


def crawl_records(entries: list[dict[str, Any]], key: str, origin: str, settings: Any,
                  ) -> list[dict[str, Any] | None]:
    """Fetch, extract and prepare queued article pages (``id``, ``url``, ``hint``), in order.
    Each gives ``{"res": FetchResult}`` plus what
    :func:`vimon.collect.extract.article_records` gives (``zbody`` and ``record``, or
    ``code``/``detail``), or ``{"res", "code"}`` for a final refusal; ``{"prior": failure}``
    for a failure worth retrying; None for a page not fetched here (a redirect, or the rest
    of the share once the host pushed back)."""
    from vimon.collect.extract import article_records, fetched_page

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return [None] * len(entries)  # no SIGALRM here (a thread, Windows): no bound, no fetch
    out: list[dict[str, Any] | None] = []
    ok: list[tuple[int, FetchResult]] = []
    for e in entries:
        got = fetch_direct(_get_client(settings), e["url"], settings)  # anew after a drop
        if isinstance(got, FetchResult):
            out.append({"res": got, "code": got.error or f"http_{got.status}"})
            if got.ok:
                ok.append((len(out) - 1, got))
            continue
        out.append(None if got is None else {"prior": got})
        if got is not None and got["code"] in BACK_OFF:
            out += [None] * (len(entries) - len(out))  # the rest goes back to the fetcher
            break
    pages = article_records([fetched_page(entries[i], res) for i, res in ok], key, origin,
                            settings, prepare=True)
    for (i, res), page in zip(ok, pages, strict=True):
        out[i] = {"res": res, **page}
    return out
