"""The collection scheduler: ``vimon collect --once | --loop``.

Each due source is collected by its connector under a lease taken with one atomic UPDATE, so
two collectors (threads, processes or hosts) never fetch one source at once; a lease held by
a process that died on this host is taken over at once. After a run the source's health is
updated (last success, error streak, unhealthy after ``collect_unhealthy_after`` failures)
and its next due time set (its ``crawl_interval``, or later when the server asked to wait).

Crash safety comes from ordering, not from cleanup: queue entries are marked done, and
conditional-GET validators remembered, only after the items they produced are committed, and
every item has a stable external id, so re-running after a SIGKILL fetches again what was not
committed and stores nothing twice.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from vimon.collect.connectors.base import RunContext, SourceFailed
from vimon.collect.fetch import Fetcher

log = logging.getLogger(__name__)

Progress = Callable[[str, dict[str, Any]], None]
PULL_PLATFORMS = ("web", "facebook", "youtube", None)


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_dead(owner: str) -> bool:
    """True when ``owner`` is a process on this host that no longer runs."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class SourceRun:
    key: str
    ok: bool = True
    skipped: str | None = None  # why the source was not run (leased elsewhere, no connector)
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    pages: int = 0
    crawled: int = 0  # of the pages, requested by the extraction workers
    snapshots: int = 0
    error_code: str | None = None
    error: str | None = None
    failures: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def connector_for(source: dict[str, Any]) -> Callable[[RunContext], Any] | None:
    platform = (source.get("platform") or "web").lower()
    if platform == "facebook":
        from vimon.collect.connectors.facebook import collect_facebook

        return collect_facebook
    if platform == "youtube":
        from vimon.collect.connectors.youtube import collect_youtube

        return collect_youtube
    if platform in ("web", ""):
        if not source.get("url") and not source.get("feed_urls"):
            return None  # a source known only from ingested rows: nothing to pull
        from vimon.collect.connectors.web import collect_web

        return collect_web
    return None  # push-only platforms (tiktok, zalo …) arrive through POST /api/ingest


# A chunk is split between the workers only in parts of at least this many pages: batching
# is what makes classification cheap per page.
MIN_PAGES_PER_JOB = 8


# What every extraction worker imports (~1.5 s of CPU a process, measured): a fork server
# imports it once and forks the workers from there, instead of each worker importing it anew.
WORKER_MODULES = ("trafilatura", "htmldate", "datasketch", "vimon.collect.extract",
                  "vimon.collect.crawl", "vimon.pipeline.prepare", "vimon.ml.service")


def worker_context() -> Any:
    """The start method of the extraction workers: a fork server with ``WORKER_MODULES``
    preloaded where the platform has one (Linux, macOS), else spawn. A fork server is a
    fresh single-threaded process, so forking from it is safe where forking this
    (threaded) process would not be."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(WORKER_MODULES))  # read when the server starts
    return ctx


def warm_worker(environ: dict[str, str] | None = None, cwd: str | None = None) -> None:
    """Extraction worker start-up: take the collector's environment and working directory
    (a worker forked from the fork server has the server's, from when it started: the
    settings and the model registry must be the collector's own), load the extraction
    libraries and the active models."""
    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
    if cwd is not None:
        os.chdir(cwd)
    from vimon.settings import reset_settings

    reset_settings()
    _exit_with_collector()
    try:
        import trafilatura  # noqa: F401

        from vimon.collect import extract  # noqa: F401
        from vimon.pipeline.classify import SOCIAL_ONLY_TASKS, _predict_active

        predict = _predict_active()
        if predict is not None:
            predict(["Khởi động mô hình."], skip=SOCIAL_ONLY_TASKS, explain=False)
    except Exception:  # noqa: BLE001 - a failed warm-up only means the first call pays it
        log.debug("extraction worker warm-up failed", exc_info=True)
    # As in bulk ingest (vimon.pipeline.ingest.bulk_run), for the worker's whole life: the
    # loaded libraries and models leave the collector's scans, and generation 0 is collected
    # less often (parsing and classifying allocate millions of short-lived objects a minute).
    from vimon.pipeline.ingest import BULK_GEN0_THRESHOLD

    gc.freeze()
    gc.set_threshold(BULK_GEN0_THRESHOLD, *gc.get_threshold()[1:])


def _exit_with_collector() -> None:
    """End this worker when the collector that started it is gone (killed with SIGKILL, say):
    nothing else would, and an orphaned worker waits for tasks forever holding its models;
    a fork server lives on while one of its workers does."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if sentinel is None:
        return

    def watch() -> None:
        wait([sentinel])  # readable once the collector's end of the pipe is closed
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="vimon-collector-watch").start()


def _start_workers(pool: ProcessPoolExecutor, n: int) -> None:
    try:
        for _ in range(n):
            pool.submit(int)
    except RuntimeError:  # the collector closed the pool first
        pass


def _is_due(src: dict[str, Any], now: datetime) -> bool:
    due = src.get("state_next_due_at")
    return due is None or due <= now


class Collector:
    """One collection process: a fetcher, an optional extraction pool, the lease owner id."""

    def __init__(self, store: Any, settings: Any, *, on_progress: Progress | None = None,
                 pages_hint: int = 0) -> None:
        self.store = store
        self.settings = settings
        self.owner = owner_id()
        self.on_progress = on_progress
        self._pool: Executor | None = None
        workers = settings.collect_extract_workers
        if workers == 0 and pages_hint >= 200 and (os.cpu_count() or 1) > 1:
            workers = os.cpu_count() or 1
        self._workers = workers
        if workers > 0:
            self._pool = self._start_pool()

    def _start_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self._workers, mp_context=worker_context(),
                                   initializer=warm_worker,
                                   initargs=(dict(os.environ), os.getcwd()))
        # Start every worker now, from a thread: starting one waits until it is forked, so
        # until the fork server has imported WORKER_MODULES (~1.5 s); meanwhile this thread
        # reads the sources and their feeds, and the first pages find the workers ready.
        threading.Thread(target=_start_workers, args=(pool, self._workers), daemon=True,
                         name="vimon-start-workers").start()
        return pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    async def _in_workers(self, fn: Callable[..., list[Any]], items: list[dict[str, Any]],
                          key: str, origin: str, *, most: int,
                          slots: asyncio.Semaphore | None = None) -> list[Any] | None:
        """``fn(share, key, origin, settings)`` over the worker processes: at most ``most``
        shares (one per worker, each ≥ ``MIN_PAGES_PER_JOB`` items), each holding one of
        ``slots`` while it runs when given; results in order. None when a worker died
        (killed for memory, a crash in a C library on hostile HTML): a fresh pool serves
        the next calls, and the caller does this chunk another way."""
        loop = asyncio.get_running_loop()
        parts = max(1, min(self._workers, most, len(items) // MIN_PAGES_PER_JOB))
        step = -(-len(items) // parts)
        pool = self._pool

        async def part(share: list[dict[str, Any]]) -> list[Any]:
            job = partial(fn, share, key, origin, self.settings)
            if slots is None:
                return await loop.run_in_executor(pool, job)
            async with slots:
                return await loop.run_in_executor(pool, job)

        try:
            done = await asyncio.gather(*(part(items[i:i + step])
                                          for i in range(0, len(items), step)))
        except BrokenProcessPool:
            log.warning("extraction worker died; restarting the pool (source %s)", key)
            self._restart_pool(pool)
            return None
        return [r for share in done for r in share]

    async def _articles(self, pages: list[dict[str, Any]], key: str,
                        origin: str) -> list[dict[str, Any]] | None:
        """``article_records`` over the worker processes, which also prepare the items for
        the pipeline; None when a worker died (the caller extracts the chunk in a thread)."""
        from vimon.collect.extract import article_records

        return await self._in_workers(partial(article_records, prepare=True), pages, key,
                                      origin, most=self._workers)

    async def _crawl(self, entries: list[dict[str, Any]], key: str, origin: str,
                     slots: asyncio.Semaphore, connections: int) -> list[dict[str, Any] | None]:
        """:func:`vimon.collect.crawl.crawl_records` over the worker processes, in at most
        ``connections`` parts, each holding one of the host's ``slots`` while it runs (so a
        part of the next chunk starts as soon as one of this chunk's ends); in order. A dead
        worker hands every page back to the main process's fetcher (None)."""
        from vimon.collect.crawl import crawl_records

        got = await self._in_workers(crawl_records, entries, key, origin, most=connections,
                                     slots=slots)
        return [None] * len(entries) if got is None else got

    def _restart_pool(self, pool: Executor | None) -> None:
        if pool is not None and self._pool is pool:
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start_pool()

    def _progress(self, key: str, data: dict[str, Any]) -> None:
        if self.on_progress:
            self.on_progress(key, data)

    async def run_source(self, fetcher: Fetcher, src: dict[str, Any]) -> SourceRun:
        run = SourceRun(src["key"])
        fn = connector_for(src)
        if fn is None:
            run.skipped = "no_connector"
            return run
        sid = int(src["id"])
        got = await asyncio.to_thread(self.store.acquire_lease, sid, self.owner,
                                      self.settings.collect_lease_seconds, owner_dead)
        if not got:
            run.skipped = "leased"
            return run
        t0 = time.monotonic()
        ctx = RunContext(self.store, self.settings, fetcher, src,
                         articles=self._articles if self._pool else None,
                         crawl=self._crawl if self._pool else None,
                         on_progress=self._progress)
        self._progress(run.key, {"event": "start"})
        try:
            await fn(ctx)
        except SourceFailed as exc:
            run.ok, run.error_code, run.error = False, exc.code, exc.detail
            if exc.retry_after:
                ctx.postpone = max(ctx.postpone or 0.0, exc.retry_after)
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
            log.exception("collector for %s failed", run.key)
            run.ok, run.error_code, run.error = False, "internal_error", f"{type(exc).__name__}: {exc}"
            await asyncio.to_thread(self.store.add_collect_events, [{
                "source_id": sid, "level": "error", "code": "internal_error",
                "url": src.get("url"), "detail": run.error}])
        finally:
            st = ctx.stats
            run.new, run.duplicate, run.rejected = st.new, st.duplicate, st.rejected
            run.pages, run.snapshots, run.failures = st.pages, st.snapshots, dict(st.failures)
            run.crawled = st.crawled
            run.seconds = time.monotonic() - t0
            interval = src.get("crawl_interval") or self.settings.collect_interval
            wait = max(float(interval), ctx.postpone or 0.0)
            from vimon.store.base import utcnow

            await asyncio.to_thread(
                self.store.record_collect_run, sid, ok=run.ok, new_items=run.new,
                next_due=utcnow() + timedelta(seconds=wait), error_code=run.error_code,
                error=run.error, unhealthy_after=self.settings.collect_unhealthy_after)
            await asyncio.to_thread(self.store.release_lease, sid, self.owner)
            self._progress(run.key, {"event": "end", "ok": run.ok, "new": run.new,
                                     "error": run.error_code})
        return run

    async def cycle(self, keys: Sequence[str] | None = None, *, only_due: bool = False) -> list[SourceRun]:
        from vimon.store.base import utcnow

        sources = await asyncio.to_thread(self.store.collect_sources, keys)
        now = utcnow()
        todo = [s for s in sources if not only_due or _is_due(s, now)]
        runs: list[SourceRun] = []
        if todo:
            async with Fetcher(self.settings) as fetcher:
                lanes = asyncio.Semaphore(max(1, min(8, self.settings.collect_concurrency)))

                async def one(src: dict[str, Any]) -> SourceRun:
                    async with lanes:
                        return await self.run_source(fetcher, src)

                runs = list(await asyncio.gather(*(one(s) for s in todo)))
        if not keys:
            from vimon.collect.connectors.files import collect_drops

            drops = await asyncio.to_thread(collect_drops, self.store, self.settings)
            if drops is not None:
                runs.append(drops)
        return runs


def collect_once(store: Any, settings: Any, keys: Sequence[str] | None = None, *,
                 on_progress: Progress | None = None) -> list[SourceRun]:
    """Collect every active source (or ``keys``) once, due or not."""
    from vimon.pipeline.ingest import bulk_run

    col = Collector(store, settings, on_progress=on_progress, pages_hint=_pending_hint(store, keys))
    try:
        with bulk_run():
            return asyncio.run(col.cycle(keys))
    finally:
        col.close()


def collect_loop(store: Any, settings: Any, keys: Sequence[str] | None = None, *,
                 stop: threading.Event | None = None, on_progress: Progress | None = None,
                 on_cycle: Callable[[list[SourceRun]], None] | None = None,
                 idle: float = 5.0, max_cycles: int | None = None) -> None:
    """Collect due sources until ``stop`` is set; sleeps ``idle`` seconds between cycles."""
    stop = stop or threading.Event()
    from vimon.pipeline.ingest import bulk_run

    col = Collector(store, settings, on_progress=on_progress, pages_hint=_pending_hint(store, keys))
    cycles = 0
    try:
        while not stop.is_set():
            with bulk_run():
                runs = asyncio.run(col.cycle(keys, only_due=True))
            cycles += 1
            if on_cycle:
                on_cycle(runs)
            if max_cycles is not None and cycles >= max_cycles:
                break
            stop.wait(idle)
    finally:
        col.close()


def _pending_hint(store: Any, keys: Sequence[str] | None) -> int:
    """Pages waiting in the queues, to decide whether an extraction pool pays off."""
    total = 0
    for s in store.collect_sources(keys):
        total += store.queue_counts(int(s["id"])).get("pending", 0)
    return total
