"""The store contract: every test here runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.helpers import OTHER, STORY, STORY_REWRITE, run_rows
from vimon.records import Rejection
from vimon.store.engine import head_revision


def test_migrations_reach_head_and_are_idempotent(store):
    assert store.revision() == head_revision()
    assert store.migrate() == head_revision()  # second run changes nothing
    assert store.ping()


def test_sources_upsert_and_list(store):
    sid = store.upsert_source({"key": "tin-thu-do", "name": "Tin Thủ Đô", "kind": "e-newspaper",
                               "followers": 120000, "official": False})
    again = store.upsert_source({"key": "tin-thu-do", "followers": 130000})
    assert sid == again
    src = store.get_source("tin-thu-do")
    assert src["name"] == "Tin Thủ Đô" and src["followers"] == 130000 and src["kind"] == "e-newspaper"
    assert [s["key"] for s in store.list_sources()] == ["tin-thu-do"]


def test_items_are_stored_once_and_searchable_without_diacritics(store, settings):
    rows = [
        {"id": "a1", "source": "tin-thu-do", "kind": "article", "title": "Khánh thành công viên",
         "text": STORY, "published_at": "2026-11-20T08:00:00"},
        {"id": "p1", "source": "https://www.facebook.com/cudanbadinh", "text": OTHER,
         "published_at": "2026-11-21T20:15:00+07:00", "metrics": {"likes": 12, "shares": "3"}},
    ]
    res = run_rows(store, settings, rows)
    assert (res.new, res.duplicate, res.rejected) == (2, 0, 0)
    again = run_rows(store, settings, rows)
    assert (again.new, again.duplicate) == (0, 2)
    assert store.count_items() == 2
    hits = store.search("cong vien doi can")
    assert [h["source"] for h in hits] == ["tin-thu-do"]
    assert store.search("Công Viên Đội Cấn")[0]["id"] == hits[0]["id"]
    assert store.search("ngap sau dong da")[0]["source"] == "facebook.com"
    assert store.search("khongcotu") == []
    # FTS syntax in user text is inert
    assert store.search('") OR * NEAR(') == []


def test_filters_paging_and_times(store, settings):
    rows = [
        {"id": str(i), "source": "s1" if i % 2 else "s2", "kind": "comment" if i % 3 == 0 else "post",
         "text": f"Bình luận số {i} về giao thông trên phố Kim Mã ngày {i}",
         "published_at": f"2026-11-{10 + i:02d}T23:30:00"}
        for i in range(10)
    ]
    run_rows(store, settings, rows)
    page, total = store.list_items(limit=3, offset=0)
    assert total == 10 and len(page) == 3
    assert page[0]["published_at"] > page[1]["published_at"]  # newest first
    _, n_s1 = store.list_items(source="s1")
    assert n_s1 == 5
    _, n_comments = store.list_items(kind="comment")
    assert n_comments == 4
    since = datetime(2026, 11, 15)  # naive UTC
    _, n_since = store.list_items(since=since)
    # 23:30 local = 16:30 UTC the same day: days 15..19 remain
    assert n_since == 5
    by_day = {d["day"]: d["count"] for d in store.stats()["by_day"]}
    assert by_day["2026-11-10"] == 1 and len(by_day) == 10


def test_near_duplicates_share_a_cluster(store, settings):
    rows = [
        {"id": "1", "source": "bao-a", "kind": "article", "title": "Công viên mới", "text": STORY},
        {"id": "2", "source": "bao-b", "kind": "article", "title": "Ba Đình có công viên",
         "text": STORY_REWRITE},
        {"id": "3", "source": "bao-c", "kind": "article", "title": "Ngập ở Đống Đa", "text": OTHER},
    ]
    res = run_rows(store, settings, rows)
    assert res.new == 3 and res.near_duplicate == 1
    items, _ = store.list_items(limit=10)
    by_ext = {i["external_id"]: i for i in items}
    assert by_ext["1"]["cluster_id"] == by_ext["2"]["cluster_id"] != by_ext["3"]["cluster_id"]
    cluster = store.get_cluster(by_ext["1"]["cluster_id"])
    assert cluster["size"] == 2 and cluster["sources"] == 2
    # A later run finds the stored cluster through the band index.
    res2 = run_rows(store, settings, [{"id": "4", "source": "bao-d", "text": STORY + " Thêm một câu."}])
    assert res2.near_duplicate == 1
    assert store.get_cluster(by_ext["1"]["cluster_id"])["size"] == 3
    members = store.cluster_members(by_ext["1"]["cluster_id"])
    assert {m["source"] for m in members} == {"bao-a", "bao-b", "bao-d"}


def test_quarantine_keeps_reason_and_hash_of_huge_rows(store, settings):
    huge = "x" * (settings.quarantine_keep_bytes + 10)
    store.add_quarantine([
        Rejection("f.jsonl", 3, "bad_json", "bad JSON at line 3", b"{oops"),
        Rejection("f.jsonl", 9, "text_too_long", "too long", huge),
    ])
    rows, total = store.list_quarantine()
    assert total == 2
    big = next(r for r in rows if r["reason_code"] == "text_too_long")
    assert big["truncated"] and big["raw_bytes"] == len(huge) and len(big["raw_sha256"]) == 64
    assert len(big["raw"]) == settings.quarantine_keep_bytes
    assert store.quarantine_reasons() == {"bad_json": 1, "text_too_long": 1}


def test_get_item_and_labels_round_trip(store, settings):
    from vimon.pipeline.runner import InlineRunner
    from vimon.records import Item, Label

    runner = InlineRunner(store, settings, ("normalize", "dedupe", "store"))
    it = Item(text="Lừa đảo nhận quà tri ân, bấm vào link để nhận thưởng ngay hôm nay nhé mọi người",
              source="page-x", external_id="z9")
    it.labels.append(Label(task="toxicity", label="clean", score=0.9, scores={"clean": 0.9},
                           spans=[[0, 7]], model_version="toxicity@test"))
    runner.run([it])
    assert it.id is not None
    got = store.get_item(it.id)
    assert got["source"] == "page-x" and got["text"].startswith("Lừa đảo")
    labels = store.item_labels(it.id)
    assert labels[0]["spans"] == [[0, 7]] and labels[0]["model_version"] == "toxicity@test"


def test_runs_are_recorded(store, settings):
    run_rows(store, settings, [{"text": "một tin ngắn"}], origin="unit")
    runs = store.list_runs()
    assert runs[0]["origin"] == "unit" and runs[0]["new"] == 1 and runs[0]["finished_at"]


@pytest.mark.parametrize("bad", ["mysql://x/y", "foo"])
def test_unsupported_url_is_a_clear_error(bad):
    from vimon.errors import StoreError
    from vimon.store import Store

    with pytest.raises(StoreError) as exc:
        Store(bad)
    assert "VIMON_DATABASE_URL" in str(exc.value)


def test_band_migration_keeps_rows_once_and_serves_lookups(db_url):
    """0006 → head on a database holding band rows (one of them twice, which the old index
    allowed): every distinct row survives, the duplicate collapses, lookups still answer."""
    import sqlalchemy as sa
    from alembic import command

    from vimon.store import engine as eng
    from vimon.store import open_store

    engine = eng.make_engine(db_url)
    cfg = eng._alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO items (id, dedupe_key, kind, text, text_norm, folded, "
                             "content_hash, collected_at, schema_version) VALUES (7, 'h:x', "
                             "'post', 't', 't', 't', 'x', '2026-11-01 00:00:00', 1)"))
        conn.execute(sa.text("INSERT INTO item_bands (band_key, item_id) VALUES "
                             "(11, 7), (11, 7), (12, 7)"))
    engine.dispose()
    store = open_store(db_url)
    try:
        assert store.revision() == head_revision()
        with store.read() as conn:
            rows = conn.execute(sa.text("SELECT band_key, item_id FROM item_bands "
                                        "ORDER BY band_key")).all()
        assert [tuple(r) for r in rows] == [(11, 7), (12, 7)]
        assert sorted((k, i) for k, i, _, _ in store.band_candidates([11, 12, 13])) == \
            [(11, 7), (12, 7)]
    finally:
        store.close()


def test_nested_writes_join_one_transaction(store):
    """A write opened inside this thread's write joins it: reads inside see its rows, and an
    error anywhere in it rolls the whole of it back (the ingest writer relies on this)."""
    with pytest.raises(RuntimeError), store.write():
        store.upsert_source({"key": "nhom-a", "name": "Nhóm A"})
        assert store.get_source("nhom-a")["name"] == "Nhóm A"  # read joins the write
        raise RuntimeError("analysis failed")
    assert store.get_source("nhom-a") is None
    with store.write() as outer:
        sid = store.upsert_source({"key": "nhom-b", "name": "Nhóm B"})
        with store.write() as inner:
            assert inner is outer
    assert store.get_source("nhom-b")["id"] == sid


def test_multi_row_inserts_chunk_and_apply_conflicts_row_by_row(store):
    """``_insert_values`` splits long inputs into statements under the parameter bound and
    keeps the ON CONFLICT clause's meaning when a key repeats within one statement."""
    n = 1_234
    with store.write() as conn:
        store._insert_values(conn, "item_bands", ("band_key", "item_id"),
                             [], " ON CONFLICT DO NOTHING")  # nothing to insert: no statement
        store._insert_values(
            conn, "rollups", ("grain", "dim", '"key"', "bucket", "n", "pos", "neg", "neu", "reach"),
            [("d", "topic", f"k{i % 600}", store._db(datetime(2026, 11, 1)), 1, 1, 0, 0, i)
             for i in range(n)],
            ' ON CONFLICT (grain, dim, "key", bucket) DO UPDATE SET n = rollups.n + excluded.n, '
            "reach = rollups.reach + excluded.reach")
    with store.read() as conn:
        import sqlalchemy as sa

        got = conn.execute(sa.text("SELECT count(*), sum(n), sum(reach) FROM rollups")).one()
    assert tuple(got) == (600, n, sum(range(n)))


def test_batch_of_long_texts_is_stored_whole_in_several_statements(store, settings, monkeypatch):
    """Long texts split the batch's item insert into several statements (by size, on
    SQLite): every item is stored once, with its own id and text, and ingesting the batch
    again adds nothing."""
    import vimon.store.workflow as workflow

    monkeypatch.setattr(workflow, "STATEMENT_CHARS", 1_000_000)  # 150k-char texts: 2 a statement
    words = ["giao", "thông", "phố", "Kim", "Mã", "ùn", "tắc", "sáng", "nay", "người", "dân"]
    rows = []
    for i in range(24):
        size = 150_000 if i % 3 == 0 else 300
        body = " ".join(f"{words[(i + j) % len(words)]}{j % 97}" for j in range(size // 8))
        rows.append({"id": f"dai-{i}", "source": "bao-dai", "kind": "article",
                     "title": f"Bài {i}", "text": f"Bài số {i}: {body}"[:size]})
    res = run_rows(store, settings, rows)
    assert (res.new, res.rejected) == (24, 0)
    assert run_rows(store, settings, rows).new == 0
    page, total = store.list_items(limit=50, offset=0)
    assert total == 24
    by_title = {it["title"]: it for it in page}
    for i in (0, 1, 21):
        full = store.get_item(by_title[f"Bài {i}"]["id"])
        assert full["text"].startswith(f"Bài số {i}:") and len(full["text"]) == len(rows[i]["text"])
