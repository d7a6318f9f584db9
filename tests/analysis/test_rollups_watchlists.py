"""During ingest: item facets, hourly/daily rollups kept incrementally (equal to a full
recount, batch after batch), watchlists that tag, raise priority and route to review; issues
of public concern. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from tests.helpers import run_rows


def _rows(n: int, start: datetime, source: str = "nhom", text: str = "tin thường") -> list[dict]:
    return [{"id": f"{source}-{start:%m%d%H}-{i}", "source": f"{source}-{i % 3}", "kind": "post",
             "text": f"{text} số {i} ở phường Cửa Nam hôm nay {i * 7919 % 1000}",
             "published_at": (start + timedelta(minutes=7 * i)).isoformat(),
             "extra": {"demo": {"topic": "đô thị", "sentiment": ["positive", "negative"][i % 2]}}}
            for i in range(n)]


def _recount(store):
    from sqlalchemy import select

    from vimon.analysis.facets import day_bucket, hour_bucket
    from vimon.store.schema import item_stats

    with store.read() as conn:
        ats = conn.execute(select(item_stats.c.at)).scalars().all()
    c: Counter = Counter()
    for at in ats:
        c[("h", hour_bucket(at))] += 1
        c[("d", day_bucket(at))] += 1
    return c


def test_rollups_are_incremental_and_exact(store, settings):
    s = settings.model_copy(update={"classify_on_ingest": False, "ingest_batch_size": 7})
    t0 = datetime(2026, 11, 20, 1)
    run_rows(store, s, _rows(30, t0))
    run_rows(store, s, _rows(20, t0 + timedelta(hours=2), source="khac"))
    run_rows(store, s, _rows(20, t0 + timedelta(hours=2), source="khac"))  # duplicates: no change
    expected = _recount(store)
    got: Counter = Counter()
    for grain in ("h", "d"):
        for r in store.series(grain, "all", "", datetime(2026, 1, 1)):
            got[(grain, r["bucket"])] += r["n"]
    assert got == expected and sum(v for (g, _), v in got.items() if g == "h") == 50
    top = {r["key"]: r for r in store.top_keys("d", "topic", datetime(2026, 1, 1))}
    assert top["do-thi"]["n"] == 50 and top["do-thi"]["pos"] == 25
    assert {r["key"] for r in store.top_keys("d", "district", datetime(2026, 1, 1))} == {"hoan-kiem"}
    # A rebuild from the items gives the same rollups.
    from vimon.analysis.ingest import rebuild

    assert rebuild(store) == 50
    again: Counter = Counter()
    for grain in ("h", "d"):
        for r in store.series(grain, "all", "", datetime(2026, 1, 1)):
            again[(grain, r["bucket"])] += r["n"]
    assert again == expected


def test_rollups_summed_by_the_database_equal_the_python_definition(store, settings):
    """The ``rollup`` stage sums in SQL; ``rollup_rows`` is the same sum written out in
    Python. Every dimension (all, kind, source, topic, district, watchlist tag), every sum
    (n, positive, negative, neutral, reach) and both grains agree, across Hanoi midnight
    (17:00 UTC), batch after batch."""
    import sqlalchemy as sa

    from vimon.analysis.facets import rollup_rows
    from vimon.analysis.ingest import analyze_items, load_watchlists
    from vimon.detect.watchlists import save

    save(store, name="Ngập úng", query="ngập", action="tag")
    sentiments = ["positive", "negative", "neutral", None]
    places = ["phường Cửa Nam", "quận Cầu Giấy", "xã Đông Anh", "chợ"]
    rows = [{"id": f"r{i}", "source": f"nguon-{i % 4}", "kind": ["post", "comment", "article"][i % 3],
             "text": f"Tin {i} ở {places[i % 4]}" + (" đường ngập sâu" if i % 5 == 0 else ""),
             "title": f"Tiêu đề {i}" if i % 3 == 2 else None,
             "published_at": (datetime(2026, 11, 20, 14) + timedelta(minutes=17 * i)).isoformat(),
             "metrics": {"likes": i % 11, "shares": i % 3},
             "extra": {"demo": {"topic": ["đô thị", "giao thông"][i % 2],
                                "sentiment": sentiments[i % 4]}}}
            for i in range(60)]
    run_rows(store, settings.model_copy(update={"classify_on_ingest": False,
                                                "ingest_batch_size": 9}), rows)
    items = store.items_for_analysis(0, 1000)
    facets, _, _ = analyze_items(store, items, load_watchlists({}, store),
                                 store.analysis_sources())
    expected: Counter = Counter()
    for r in rollup_rows(facets):
        expected[r[:4]] += 1  # each (grain, dim, key, bucket) once …
        for name, v in zip(("n", "pos", "neg", "neu", "reach"), r[4:], strict=True):
            expected[(*r[:4], name)] += v  # … with its sums
    got: Counter = Counter()
    with store.read() as conn:
        for r in conn.execute(sa.text('SELECT grain, dim, "key", bucket, n, pos, neg, neu, '
                                      "reach FROM rollups")):
            bucket = r[3] if isinstance(r[3], datetime) else datetime.fromisoformat(r[3])
            got[(r[0], r[1], r[2], bucket)] += 1
            for name, v in zip(("n", "pos", "neg", "neu", "reach"), r[4:], strict=True):
                got[(r[0], r[1], r[2], bucket, name)] += v
    assert {k[1] for k in expected if len(k) == 4} == {"all", "kind", "source", "topic",
                                                         "district", "tag"}
    assert {k[3].hour for k in expected if len(k) == 4 and k[0] == "d"} == {17}
    assert +got == +expected


def test_watchlists_tag_prioritise_and_route_to_review(store, settings):
    from vimon.detect.watchlists import save
    from vimon.store.querylang import parse

    save(store, name="Giả danh công an", query='"giả danh" AND (công_an OR "công an")',
         action="review", priority=50, alert=True)
    save(store, name="Cơ quan TP", entities=["agency:cong-an-tp", "agency:ubnd-tp"], action="tag")
    s = settings.model_copy(update={"classify_on_ingest": False})
    run_rows(store, s, [
        {"id": "x1", "source": "fb-a", "text": "Cảnh giác kẻ giả danh công an gọi điện lừa đảo",
         "published_at": "2026-11-20T09:00:00"},
        {"id": "x2", "source": "fb-b", "text": "Công an TP Hà Nội khuyến cáo người dân",
         "published_at": "2026-11-20T10:00:00"},
        {"id": "x3", "source": "fb-b", "text": "Trời hôm nay đẹp", "published_at": "2026-11-20T11:00:00"},
    ])
    rows, _ = store.search_items(parse("tag:gia-danh-cong-an"))
    assert len(rows) == 1 and rows[0]["priority"] == 50
    rows, _ = store.search_items(parse("tag:co-quan-tp"))
    assert len(rows) == 1
    with store.read() as conn:
        flags = conn.exec_driver_sql("SELECT kind, ref, status FROM flags").all()
    assert [tuple(f) for f in flags] == [("watchlist", "watchlist:gia-danh-cong-an", "open")]
    alerts, _ = store.list_alerts()
    assert [a["kind"] for a in alerts] == ["watch"]
    assert {w["slug"]: w["matches"] for w in store.list_watchlists()} == {
        "gia-danh-cong-an": 1, "co-quan-tp": 1}


def test_issue_of_public_concern_rises_across_sources(store, settings):
    from vimon.analysis.issues import find_issues
    from vimon.store.base import utcnow

    now = utcnow().replace(microsecond=0)
    story = ("Sáng nay nước sông Tô Lịch bốc mùi hôi nồng nặc, hàng nghìn con cá chết nổi trắng "
             "mặt sông đoạn qua phường Khương Đình, người dân đề nghị cơ quan chức năng kiểm tra "
             "nguồn xả thải và xử lý dứt điểm tình trạng ô nhiễm kéo dài nhiều năm nay")
    rows = [{"id": f"s{i}", "source": f"trang-{i % 4}", "kind": "post",
             "text": story + (" chia sẻ" if i % 2 else "") + f" lần {i}",
             "title": "Cá chết trắng sông Tô Lịch" if i == 0 else None,
             "published_at": (now - timedelta(hours=i % 10)).isoformat() + "+00:00",
             "metrics": {"views": 1000 * (10 - i)}} for i in range(8)]
    rows.append({"id": "lone", "source": "trang-9", "text": "Một tin chẳng liên quan gì cả",
                 "published_at": now.isoformat() + "+00:00"})
    run_rows(store, settings.model_copy(update={"classify_on_ingest": False}), rows)
    issues = find_issues(store, now + timedelta(minutes=1), hours=48)
    assert len(issues) == 1
    i = issues[0]
    assert i["volume"] == 8 and i["sources"] == 4 and i["title"] == "Cá chết trắng sông Tô Lịch"
    assert i["first_seen"] is not None and len(i["top_sources"]) == 4
