"""Distributed mode throughput: short posts sent to the Redis queue (``vimon ingest --queue``'s
path) and stored by ``vimon worker`` processes, beside the same file ingested in one process
(``vimon ingest``) in the same run. Both write SQLite files of their own (set
``VIMON_BENCH_DATABASE_URL`` to measure the workers on PostgreSQL instead).

The workers are started and warmed up (a one-row message) before the clock starts: what is
timed is sending the file plus draining the queue, the steady state of a running cluster.
No target: on this 2-core machine the figure shows the queue's overhead over the in-process
pipeline (which already overlaps its CPU stages with its writes); workers on more cores or
hosts add throughput. Skipped, exit 0, when no Redis answers (``VIMON_BENCH_REDIS_URL``,
default ``redis://127.0.0.1:6379/14``). Usage: ``python bench/bench_queue.py [--items N]
[--processes P]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report, short_posts, write_jsonl  # noqa: E402

REDIS = os.environ.get("VIMON_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def _count(url: str) -> int:
    from sqlalchemy import func, select

    from vimon.store import open_store
    from vimon.store.schema import items

    s = open_store(url)
    try:
        with s.read() as conn:
            return int(conn.execute(select(func.count()).select_from(items)).scalar_one())
    finally:
        s.close()


def _drain(settings, deadline: float) -> None:  # type: ignore[no-untyped-def]
    from vimon.worker import queue_status

    while queue_status(settings)["pending"] and time.monotonic() < deadline:
        time.sleep(0.05)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except Exception as exc:  # noqa: BLE001 - any connection problem: nothing to measure
        print(f"queue: skipped, no Redis at {REDIS} ({type(exc).__name__})")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="vimon-bench-queue-"))
    src = tmp / "posts.jsonl"
    write_jsonl(short_posts(args.items), src)
    os.environ.update({"VIMON_HOME": str(tmp), "VIMON_QUEUE_URL": REDIS,
                       "VIMON_QUEUE_NAMESPACE": f"vimon-bench-{uuid.uuid4().hex[:8]}",
                       "VIMON_CLASSIFY_ON_INGEST": "1"})
    queued_db = os.environ.get("VIMON_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'queued.sqlite'}"
    from vimon.pipeline.ingest import ingest_paths
    from vimon.settings import get_settings, reset_settings
    from vimon.store import open_store

    # The reference: the same file through the pipeline in this process.
    local = open_store(f"sqlite:///{tmp / 'local.sqlite'}")
    t0 = time.perf_counter()
    res = ingest_paths(local, get_settings(), [str(src)])
    local_s = time.perf_counter() - t0
    local.close()

    os.environ["VIMON_DATABASE_URL"] = queued_db
    reset_settings()
    settings = get_settings()
    from vimon.worker import enqueue_paths, queue_status

    store = open_store(queued_db)
    worker = subprocess.Popen([sys.executable, "-m", "vimon.cli", "worker", "--processes",
                               str(args.processes), "--threads", "1"], env=dict(os.environ),
                              stdout=subprocess.DEVNULL, stderr=(tmp / "worker.log").open("w"),
                              start_new_session=True)
    try:
        warm = tmp / "warm.jsonl"
        write_jsonl([{"id": "warm", "source": "bench", "text": "Khởi động worker."}], warm)
        enqueue_paths(store, settings, [str(warm)])
        _drain(settings, time.monotonic() + 300)
        t0 = time.perf_counter()
        sent = enqueue_paths(store, settings, [str(src)])
        send_s = time.perf_counter() - t0
        _drain(settings, time.monotonic() + 1800)
        queued_s = time.perf_counter() - t0
        left = queue_status(settings)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        from vimon.worker import broker

        client = broker(settings).client
        keys = list(client.scan_iter(f"{settings.queue_namespace}:*"))
        if keys:
            client.delete(*keys)
    store.close()
    stored = _count(queued_db) - 1  # less the warm-up row
    report("queue", {
        "items": args.items, "processes": args.processes, "messages": sent.messages,
        "queued_items_per_s": round(args.items / queued_s, 1),
        "send_items_per_s": round(args.items / send_s, 1),
        "reference_inline_items_per_s": round(args.items / local_s, 1),
        "ratio": round(local_s / queued_s, 2), "stored": stored, "inline_new": res.new,
        "left": left,
    })
    return 0 if stored == res.new and not left["pending"] else 1


if __name__ == "__main__":
    sys.exit(main())
