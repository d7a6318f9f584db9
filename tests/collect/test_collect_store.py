"""The collectors' store methods, on SQLite and PostgreSQL: lease, queue, fetch state,
evidence and its links, health."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from vimon.collect.scheduler import owner_dead


def _sid(store, key="bao-a"):  # type: ignore[no-untyped-def]
    return store.upsert_source({"key": key, "url": f"https://{key}.example.vn/", "kind": "e-newspaper"})


def test_lease_is_exclusive_and_dead_owners_lose_it(store):
    sid = _sid(store)
    assert store.acquire_lease(sid, "host-x:1", 60)
    assert not store.acquire_lease(sid, "host-y:2", 60)
    assert store.acquire_lease(sid, "host-x:1", 60)  # the owner may renew
    assert store.acquire_lease(sid, "host-y:2", 60, is_dead=lambda o: o == "host-x:1")
    store.release_lease(sid, "host-y:2")
    assert store.acquire_lease(sid, "host-z:3", 60)
    assert owner_dead("no-such-host:1") is False


def test_queue_fetch_state_and_health(store):
    sid = _sid(store)
    n = store.enqueue_urls(sid, [("https://bao-a.example.vn/1.html", {"via": "feed"}),
                                 ("https://bao-a.example.vn/2.html", None),
                                 ("https://bao-a.example.vn/1.html", None)])
    assert n == 2 and store.enqueue_urls(sid, [("https://bao-a.example.vn/2.html", None)]) == 0
    pend = store.pending_urls(sid, 10)
    assert [p["hint"] for p in pend] == [{"via": "feed"}, None]
    store.mark_urls(sid, done=[pend[0]["id"]], retry=[(pend[1]["id"], "read_timeout")], max_attempts=2)
    assert [p["url"] for p in store.pending_urls(sid, 10)] == ["https://bao-a.example.vn/2.html"]
    assert store.pending_urls(sid, 10, after_id=pend[1]["id"]) == []
    store.mark_urls(sid, retry=[(pend[1]["id"], "read_timeout")], max_attempts=2)
    assert store.queue_counts(sid) == {"done": 1, "failed": 1}

    assert store.get_fetch_state(sid, "https://bao-a.example.vn/rss") is None
    store.set_fetch_state(sid, "https://bao-a.example.vn/rss", etag='"a"')
    store.set_fetch_state(sid, "https://bao-a.example.vn/rss", etag='"b"', last_modified="x")
    st = store.get_fetch_state(sid, "https://bao-a.example.vn/rss")
    assert st["etag"] == '"b"' and st["last_modified"] == "x"

    due = datetime(2030, 1, 1)
    for _ in range(2):
        state = store.record_collect_run(sid, ok=False, new_items=0, next_due=due,
                                         error_code="http_5xx", unhealthy_after=2)
    assert state["healthy"] is False and state["error_streak"] == 2
    state = store.record_collect_run(sid, ok=True, new_items=3, next_due=due)
    assert state["healthy"] is True and state["items_total"] == 3
    store.add_collect_events([{"source_id": sid, "code": "no_article", "url": "u", "detail": "d"}])
    assert store.list_collect_events(source_key="bao-a")[0]["code"] == "no_article"
    over = {r["key"]: r for r in store.collect_overview()}
    assert over["bao-a"]["state_runs"] == 3 and over["bao-a"]["items_24h"] == 0


def test_evidence_links_follow_the_item(store, settings):
    from vimon.pipeline.ingest import ingest_records

    sid = _sid(store)
    body = "<html>bài</html>".encode()
    import hashlib

    snap = {"sha256": hashlib.sha256(body).hexdigest(), "source_id": sid, "kind": "page",
            "url": "https://bao-a.example.vn/1.html", "final_url": "https://bao-a.example.vn/1.html",
            "status": 200, "headers": {"etag": '"x"'}, "content_type": "text/html",
            "size": len(body), "compression": "zlib", "body": zlib.compress(body),
            "fetched_at": datetime.now() - timedelta(minutes=1)}
    ids = store.save_evidence([snap], [(0, "bao-a", "https://bao-a.example.vn/1.html")])
    assert store.save_evidence([snap]) == ids  # same body, same URL: one snapshot
    ingest_records(store, settings, [{"id": "https://bao-a.example.vn/1.html", "source": "bao-a",
                                      "text": "Nội dung bài viết về quận Ba Đình.", "kind": "article"}])
    item = store.list_items(source="bao-a")[0][0]
    [got] = store.evidence_for_item(item["id"])
    assert zlib.decompress(got["body"]) == body and got["headers"] == {"etag": '"x"'}
    assert store.evidence_counts()["snapshots"] == 1
