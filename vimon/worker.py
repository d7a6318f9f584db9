"""Distributed mode: batches of rows on a queue, run through the pipeline by ``vimon worker``.

Dramatiq over Redis (``docs/decisions.md`` §12). ``vimon ingest --queue`` reads and parses
the input as a local ingest does; a rejected row is quarantined right there (it never needs
the pipeline), and every ``VIMON_QUEUE_BATCH_ITEMS`` accepted rows become one message. A
worker runs the whole pipeline over a message's rows and commits; Dramatiq acknowledges the
message only after the actor has returned, so after the commit (at-least-once delivery).

A worker killed in the middle of a batch never acknowledges it: once its heartbeat is older
than ``VIMON_QUEUE_HEARTBEAT_MS``, queue maintenance (run by the other workers' commands,
``VIMON_QUEUE_MAINTENANCE_CHANCE``) puts the message back and another worker runs it. The
pipeline is idempotent: an item's dedupe key (external id + source, else the content hash)
is unique in the store, so a batch run twice stores every item once; the second run counts
them as duplicates. A batch that keeps failing is retried with back-off, then parked in the
queue's dead-letter set, which ``vimon worker --status`` counts.

Workers scale by adding processes (``--processes``) and hosts: every worker reads the same
queue and writes the same database (``VIMON_DATABASE_URL``; PostgreSQL for several hosts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from vimon.errors import ConfigError

log = logging.getLogger(__name__)

QUEUE = "vimon-ingest"
ACTOR = "ingest_rows"
# Retries of a failing batch (a database that is down, say): Dramatiq backs off
# exponentially from 15 s; after these many the message goes to the dead-letter set.
MAX_RETRIES = 8
# A batch runs for at most this long (ms) before Dramatiq interrupts it (and retries it).
TIME_LIMIT_MS = 30 * 60 * 1000

_lock = threading.Lock()
_brokers: dict[tuple[Any, ...], Any] = {}


def _key(settings: Any) -> tuple[Any, ...]:
    return (settings.queue_url, settings.queue_namespace, settings.queue_heartbeat_ms,
            settings.queue_maintenance_chance)


def broker(settings: Any) -> Any:
    """The Dramatiq broker of these settings, with the ingest actor declared on it (one per
    distinct queue configuration in this process). InputError without ``VIMON_QUEUE_URL``."""
    if not settings.queue_url:
        raise ConfigError("VM-Q01", "chưa cấu hình hàng đợi / no queue configured",
                          "Đặt VIMON_QUEUE_URL=redis://… / set VIMON_QUEUE_URL")
    key = _key(settings)
    with _lock:
        found = _brokers.get(key)
        if found is None:
            import dramatiq
            from dramatiq.brokers.redis import RedisBroker

            found = RedisBroker(url=settings.queue_url, namespace=settings.queue_namespace,
                                heartbeat_timeout=settings.queue_heartbeat_ms,
                                maintenance_chance=settings.queue_maintenance_chance)
            dramatiq.Actor(_run_rows, broker=found, actor_name=ACTOR, queue_name=QUEUE,
                           priority=0, options={"max_retries": MAX_RETRIES,
                                                "time_limit": TIME_LIMIT_MS})
            _brokers[key] = found
        return found


@contextmanager
def reaching(settings: Any) -> Iterator[None]:
    """Redis unreachable → a ConfigError that says where and what to do, not a traceback."""
    import redis

    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        from urllib.parse import urlsplit

        where = urlsplit(settings.queue_url)
        raise ConfigError(
            "VM-Q02", f"không kết nối được hàng đợi / queue unreachable: "
            f"{where.hostname}:{where.port or 6379} ({type(exc).__name__})",
            "Kiểm tra redis-server và VIMON_QUEUE_URL; gửi lại cả tệp không tạo tin trùng / "
            "check Redis; sending the file again stores nothing twice") from None


def setup() -> None:
    """Entry point of ``dramatiq vimon.worker:setup`` (what ``vimon worker`` runs): the
    broker of the current settings becomes Dramatiq's global broker."""
    import dramatiq

    from vimon.settings import get_settings

    dramatiq.set_broker(broker(get_settings()))


# -- the worker side ----------------------------------------------------------------------
_store_lock = threading.Lock()
_stores: dict[str, Any] = {}


def _store(url: str) -> Any:
    with _store_lock:
        found = _stores.get(url)
        if found is None:
            from vimon.store import open_store

            found = _stores[url] = open_store(url)
        return found


def _run_rows(origin: str, rows: list[list[Any]]) -> None:
    """The actor: ``rows`` as ``[line, row]`` pairs of one input ``origin`` through the
    whole pipeline, committed before this returns (the counts go to the log and to the
    store's run record)."""
    from vimon.pipeline.ingest import bulk_run, ingest_lines
    from vimon.settings import get_settings

    settings = get_settings()
    with bulk_run():
        res = ingest_lines(_store(settings.db_url), settings, origin, rows)
    log.info("%s: %d rows → %s", origin, len(rows), res.summary())


# -- the sending side ---------------------------------------------------------------------
@dataclass
class QueuedResult:
    queued: int = 0  # accepted rows sent
    messages: int = 0
    rejected: int = 0  # quarantined here, never sent
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"queued": self.queued, "messages": self.messages, "rejected": self.rejected}


class _Sender:
    """Accepted rows to the queue in messages of ``queue_batch_items`` rows per origin;
    rejections to the quarantine (those read so far are kept even when the queue fails)."""

    def __init__(self, store: Any, settings: Any) -> None:
        from vimon.pipeline.ingest import Quarantine

        self.per_message = settings.queue_batch_items
        self.actor = broker(settings).get_actor(ACTOR)
        self.quarantine = Quarantine(store)
        self.out = QueuedResult()
        self.pending: dict[str, list[list[Any]]] = {}

    def add(self, origin: str, line: int | None, row: Any, parsed: Any) -> None:
        from vimon.records import Rejection

        if isinstance(parsed, Rejection):
            self.quarantine.add(parsed)
            return
        rows = self.pending.setdefault(origin, [])
        rows.append([line, row])
        if len(rows) >= self.per_message:
            self.send(origin)

    def send(self, origin: str) -> None:
        rows = self.pending.pop(origin, [])
        if rows:
            self.actor.send(origin, rows)
            self.out.queued += len(rows)
            self.out.messages += 1

    def run(self, settings: Any, rows: Any) -> QueuedResult:
        """Send every ``(origin, line, row, parsed)`` of ``rows``."""
        try:
            with reaching(settings):
                self.actor.broker.client.ping()  # before reading anything
                for origin, line, row, parsed in rows:
                    self.add(origin, line, row, parsed)
                for origin in list(self.pending):
                    self.send(origin)
        finally:
            self.quarantine.flush()
        q = self.quarantine
        self.out.rejected, self.out.reasons, self.out.examples = q.count, dict(q.reasons), q.examples
        return self.out


def enqueue_paths(store: Any, settings: Any, paths: Sequence[str],
                  on_progress: Callable[[str, int, int | None], None] | None = None,
                  ) -> QueuedResult:
    """Read and parse JSONL/CSV files as ``vimon ingest`` does; quarantine what is rejected
    and send the accepted rows to the queue."""
    from vimon.pipeline.ingest import PathReader

    reading = PathReader(paths, settings, on_progress)
    out = _Sender(store, settings).run(settings, reading)
    reading.check()
    return out


def enqueue_records(store: Any, settings: Any, records: Sequence[Any],
                    origin: str = "api") -> QueuedResult:
    """Decoded records (``POST /api/ingest/queue``; a Rejection stands for a line that could
    not be decoded): validated as a local ingest does, the accepted ones sent to the queue."""
    from vimon.pipeline.parse import parse_record
    from vimon.records import Rejection

    def parsed() -> Any:
        for n, row in enumerate(records, start=1):
            if isinstance(row, Rejection):
                yield origin, n, None, row
            else:
                yield origin, n, row, parse_record(row, origin, n, settings.max_text_chars)

    return _Sender(store, settings).run(settings, parsed())


def queue_status(settings: Any) -> dict[str, int]:
    """Messages not yet acknowledged (``pending``: waiting, running or waiting a retry), of
    which ``waiting`` in line now, and ``dead`` (given up after every retry)."""
    client, q = broker(settings).client, f"{settings.queue_namespace}:{QUEUE}"
    with reaching(settings):
        return {"pending": int(client.hlen(f"{q}.msgs")) + int(client.hlen(f"{q}.DQ.msgs")),
                "waiting": int(client.llen(q)) + int(client.llen(f"{q}.DQ")),
                "dead": int(client.zcard(f"{q}.XQ"))}
