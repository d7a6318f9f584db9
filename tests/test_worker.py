"""Distributed mode (vimon.worker): rows sent to a real Redis queue and run by Dramatiq
workers store what a local ingest stores, on SQLite and PostgreSQL; a worker killed with
SIGKILL in the middle of the queue loses and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.redis

TOPICS = ["ùn tắc giao thông trên phố Kim Mã", "rác thải ở hồ Ngọc Khánh", "giả danh cán bộ phường "
          "gọi điện yêu cầu chuyển tiền", "học sinh Ba Đình đạt giải Olympic"]


def _input(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            row = {"id": f"bl-{i}", "source": "fb-nhom-ba-dinh", "kind": "comment",
                   "text": f"Người dân phản ánh {TOPICS[i % len(TOPICS)]}, lần thứ {i}.",
                   "published_at": f"2026-11-{1 + i % 20:02d}T08:00:00"}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.write('{"id": "rong", "text": ""}\n{hỏng\n')
    return path


def _stored(store) -> dict[str, tuple[str, list[tuple[str, str]]]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from vimon.store.schema import items

    with store.read() as conn:
        rows = conn.execute(select(items.c.id, items.c.external_id, items.c.text)).all()
    return {r.external_id: (r.text, sorted((lb["task"], lb["label"]) for lb in store.item_labels(r.id)))
            for r in rows}


def _drain(settings) -> None:  # type: ignore[no-untyped-def]
    """Run a Dramatiq worker in this process until the queue is empty."""
    from dramatiq import Worker

    from vimon.worker import QUEUE, broker

    b = broker(settings)
    w = Worker(b, worker_threads=2, worker_timeout=100)
    w.start()
    try:
        b.join(QUEUE, timeout=120_000)
        w.join()
    finally:
        w.stop()


def test_queued_ingest_stores_what_a_local_ingest_stores(db_url, redis_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from vimon.pipeline.ingest import ingest_paths
    from vimon.settings import get_settings, reset_settings
    from vimon.store import open_store
    from vimon.worker import enqueue_paths, queue_status

    src = _input(tmp_path / "vao.jsonl", 120)
    local = open_store(f"sqlite:///{tmp_path / 'local.sqlite'}")
    res = ingest_paths(local, get_settings(), [str(src)])
    assert (res.new, res.rejected) == (120, 2)

    monkeypatch.setenv("VIMON_QUEUE_URL", redis_url)
    monkeypatch.setenv("VIMON_QUEUE_BATCH_ITEMS", "25")
    monkeypatch.setenv("VIMON_DATABASE_URL", db_url)
    reset_settings()
    settings = get_settings()
    queued = open_store(db_url)
    sent = enqueue_paths(queued, settings, [str(src)])
    assert sent.summary() == {"queued": 120, "messages": 5, "rejected": 2}
    assert queue_status(settings)["pending"] == 5
    _drain(settings)
    assert queue_status(settings) == {"pending": 0, "waiting": 0, "dead": 0}
    assert _stored(queued) == _stored(local)
    assert len(_stored(queued)) == 120
    # The rejected rows were quarantined when sent, with their reasons.
    assert queued.quarantine_reasons() == {"bad_json": 1, "missing_text": 1}
    # Sent again (a client retrying): the same items, stored once.
    enqueue_paths(queued, settings, [str(src)])
    _drain(settings)
    assert len(_stored(queued)) == 120
    local.close()
    queued.close()


def _count(db_url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from vimon.store import open_store
    from vimon.store.schema import items

    s = open_store(db_url)
    try:
        with s.read() as conn:
            return tuple(conn.execute(select(func.count(), func.count(items.c.external_id.distinct())))
                         .one())  # type: ignore[return-value]
    finally:
        s.close()


def test_killing_a_worker_loses_and_duplicates_nothing(db_url, redis_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from vimon.settings import get_settings, reset_settings
    from vimon.store import open_store
    from vimon.worker import enqueue_paths, queue_status

    env = {"VIMON_QUEUE_URL": redis_url, "VIMON_QUEUE_BATCH_ITEMS": "20",
           "VIMON_DATABASE_URL": db_url, "VIMON_QUEUE_HEARTBEAT_MS": "3000",
           "VIMON_QUEUE_MAINTENANCE_CHANCE": "1000000"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings()
    settings = get_settings()
    total = 1200
    store = open_store(db_url)
    sent = enqueue_paths(store, settings, [str(_input(tmp_path / "vao.jsonl", total))])
    store.close()
    assert sent.messages == total // 20

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "vimon.cli", "worker", "--processes", "1",
                                 "--threads", "2"], env=dict(os.environ),
                                stdout=subprocess.DEVNULL, stderr=(tmp_path / "w.log").open("ab"),
                                start_new_session=True)

    first = start()
    try:
        deadline = time.monotonic() + 120
        while _count(db_url)[0] < 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker: master and its processes
        first.wait(timeout=30)
        stored_at_kill = _count(db_url)[0]
        assert 0 < stored_at_kill < total, stored_at_kill  # killed in the middle
        assert queue_status(settings)["pending"] > 0
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    second = start()
    try:
        deadline = time.monotonic() + 180
        while queue_status(settings)["pending"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert queue_status(settings) == {"pending": 0, "waiting": 0, "dead": 0}
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
    assert _count(db_url) == (total, total)  # every item, once
    store = open_store(db_url)
    runs = [r for r in store.list_runs(limit=1000) if r["origin"].startswith("queue:")]
    store.close()
    # Every row ended in a finished run, as new or (when a killed run had committed before it
    # could finish) as a duplicate of what that run stored. Runs the kill cut short (started,
    # never finished) are there most times, not always: the kill may fall between batches,
    # with the next ones fetched but not started.
    done = [r for r in runs if r["finished_at"] is not None]
    assert len(done) >= sent.messages
    assert sum(r["new"] + r["duplicate"] for r in done) >= total >= sum(r["new"] for r in done)


@pytest.mark.parametrize(("env", "code"), [({}, "VM-Q01"),
                                           ({"VIMON_QUEUE_URL": "redis://:bi-mat@127.0.0.1:1/0"}, "VM-Q02")])
def test_no_queue_is_a_clear_error(env, code, tmp_path):  # type: ignore[no-untyped-def]
    """No queue configured, or none reachable: a coded error with what to do, exit 1, no
    traceback, the password of the URL not shown; nothing quarantined or sent."""
    src = _input(tmp_path / "vao.jsonl", 3)
    for args in (["ingest", "--queue", str(src)], ["worker", "--status"], ["worker"]):
        res = subprocess.run([sys.executable, "-m", "vimon.cli", *args], capture_output=True,
                             text=True, timeout=120, env={**os.environ, **env},
                             cwd=tmp_path)
        text = res.stdout + res.stderr
        assert res.returncode == 1, (args, text)
        assert code in text and "VIMON_QUEUE_URL" in text and "bi-mat" not in text
        assert "Traceback" not in text
    assert not (tmp_path / "home" / "vimon.sqlite").exists() or _nothing_quarantined()


def _nothing_quarantined() -> bool:
    from vimon.store import open_store

    s = open_store()
    try:
        return s.quarantine_reasons() == {}
    finally:
        s.close()


def test_api_sends_to_the_queue(db_url, redis_url, monkeypatch):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from vimon.settings import get_settings, reset_settings
    from vimon.store import open_store
    from vimon.web.app import create_app

    token = "t0k3n-hang-doi-cho-kiem-thu-123456"
    monkeypatch.setenv("VIMON_API_TOKEN", token)
    monkeypatch.setenv("VIMON_QUEUE_BATCH_ITEMS", "25")
    monkeypatch.setenv("VIMON_DATABASE_URL", db_url)  # where the workers write
    reset_settings()
    store = open_store(db_url)
    auth = {"Authorization": f"Bearer {token}"}
    lines = [json.dumps({"id": f"api-{i}", "source": "api", "text": f"Tin qua API số {i}"},
                        ensure_ascii=False) for i in range(30)]
    body = "\n".join([*lines, "{hỏng", json.dumps({"title": "không có nội dung"})]).encode()
    closed = TestClient(create_app(store, get_settings()))
    r = closed.post("/api/ingest/queue", content=body, headers=auth)
    assert r.status_code == 503 and "VM-Q01" in r.json()["error"], r.text  # no queue configured

    monkeypatch.setenv("VIMON_QUEUE_URL", redis_url)
    reset_settings()
    c = TestClient(create_app(store, get_settings()))
    assert c.post("/api/ingest/queue", content=body).status_code == 401
    r = c.post("/api/ingest/queue", content=body, headers=auth)
    assert r.status_code == 202
    assert r.json() == {"queued": 30, "messages": 2, "rejected": 2,
                        "reasons": {"bad_json": 1, "missing_text": 1}}
    assert store.quarantine_reasons() == {"bad_json": 1, "missing_text": 1}
    _drain(get_settings())
    assert len(_stored(store)) == 30
    store.close()
