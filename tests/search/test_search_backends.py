"""The query language on a shared corpus: SQLite (FTS5) and PostgreSQL (tsvector) return the
same items, which are the expected ones; the in-memory evaluator used by watchlists agrees."""

from __future__ import annotations

import pytest

from tests.helpers import run_rows
from tests.search.corpus import CASES, ROWS


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                  marks=pytest.mark.postgres)])
def corpus_store(request, tmp_path_factory):
    """One database per backend for the whole module (the corpus is only read)."""
    from sqlalchemy import select

    from tests.conftest import _pg_database
    from vimon.settings import Settings
    from vimon.store import open_store
    from vimon.store.schema import items

    home = tmp_path_factory.mktemp("corpus")
    gen = None
    if request.param == "sqlite":
        url = f"sqlite:///{home / 'corpus.sqlite'}"
    else:
        gen = _pg_database()
        url = next(gen)
    store = open_store(url)
    # Facets from the corpus's own topic/sentiment (extra.demo), not from whatever model is
    # active: the expectations below are about the query language.
    run_rows(store, Settings(home=home, classify_on_ingest=False), ROWS)
    with store.read() as conn:
        ids = {r.id: r.external_id for r in conn.execute(select(items.c.id, items.c.external_id))}
    yield store, ids
    store.close()
    if gen is not None:
        gen.close()


def _run(store, ids, query, exact=False):
    from vimon.store.querylang import parse

    rows, total = store.search_items(parse(query, exact=exact), limit=100)
    assert total == len(rows)
    return {ids[r["id"]] for r in rows}


@pytest.mark.parametrize("case", CASES, ids=[repr(c[0]) + ("/exact" if len(c) > 2 else "")
                                              for c in CASES])
def test_query_finds_expected_items(corpus_store, case):
    store, ids = corpus_store
    query, expected = case[0], case[1]
    exact = len(case) > 2 and case[2]
    assert _run(store, ids, query, exact) == expected


def test_in_memory_evaluator_agrees_with_sql(corpus_store):
    from vimon.analysis.matching import Doc, matches
    from vimon.store.querylang import parse

    store, ids = corpus_store
    docs = {}
    for r in store.items_for_analysis(0, 100):
        tags = store.item_tags_for([r["id"]]).get(r["id"], {})
        from vimon.store.querylang import slug

        docs[ids[r["id"]]] = Doc(
            r["folded"], f"{r['title'] or ''} {r['text_norm']}", r["source"], r["kind"], r["url"],
            r["published_at"], tags={k: {slug(v) for v in vs} for k, vs in tags.items()},
            labels={(t, lb) for t, lb, _ in r["labels"]})
    for case in CASES:
        exact = len(case) > 2 and case[2]
        q = parse(case[0], exact=exact)
        got = {ext for ext, d in docs.items() if matches(q, d)}
        assert got == case[1], case


def test_sort_by_reach_and_risk(corpus_store):
    from vimon.store.querylang import parse

    store, ids = corpus_store
    rows, _ = store.search_items(parse("ngập OR mưa"), sort="reach", limit=3)
    assert ids[rows[0]["id"]] == "v1"  # 90,000 views
    rows, _ = store.search_items(parse(""), sort="risk", limit=1)
    assert ids[rows[0]["id"]] == "p4"  # the scam (demo category → risk 0.8)


def test_facets_count_the_matches(corpus_store):
    from vimon.store.querylang import parse

    store, _ = corpus_store
    f = store.search_facets(parse("ngập"))
    assert {x["key"]: x["n"] for x in f["source"]} == {"tin-thu-do": 1, "cu-dan-dong-da": 2,
                                                        "kenh-ha-noi": 1}
    assert {x["key"]: x["n"] for x in f["topic"]}["thoi-tiet"] == 3
    assert {x["key"]: x["n"] for x in f["sentiment"]} == {"negative": 3, "positive": 1}
    assert sum(x["n"] for x in f["day"]) == 4
    assert {x["key"] for x in f["district"]} >= {"dong-da", "ba-dinh"}


def test_list_items_and_api_use_the_language(corpus_store):
    store, ids = corpus_store
    rows, total = store.list_items(query="mưa NOT ngập")
    assert {ids[r["id"]] for r in rows} == {"p3"} and total == 1
    # The lenient path (old /items and /api/items) never fails on bad syntax.
    assert store.search('") OR * NEAR(') == []


def test_time_order_on_every_plan(corpus_store):
    """A first page by time is the same whichever plan the store picks (on SQLite, dense text
    queries walk the time index and probe FTS5; others fetch and sort)."""
    from vimon.store.querylang import parse

    store, ids = corpus_store
    for q in ("ngập", "ngập kind:post", "ngap*"):
        rows, total = store.search_items(parse(q), limit=2)
        assert [ids[r["id"]] for r in rows] == (["p6", "v1"] if q != "ngập kind:post"
                                                 else ["p6", "p1"]), q
        assert total == (2 if q == "ngập kind:post" else 4)


@pytest.mark.parametrize("density", [0.0, 1.0], ids=["walk-newest-first", "fetch-and-sort"])
def test_both_sqlite_newest_first_plans_find_the_expected_items(corpus_store, monkeypatch, density):
    """SQLite picks between walking the time index (row-local regex/index tests) and
    fetching the matches to sort them, by density; each plan alone must give the same answer."""
    from vimon.store import analysis

    store, ids = corpus_store  # on PostgreSQL the density has no effect: the same answers
    monkeypatch.setattr(analysis, "PROBE_DENSITY", density)
    for case in CASES:
        exact = len(case) > 2 and case[2]
        assert _run(store, ids, case[0], exact) == case[1], case[0]


@pytest.mark.parametrize("probe_us", [0.0, 1e9], ids=["probe-each-match", "intersect-id-lists"])
def test_both_sqlite_tag_counts_agree(corpus_store, monkeypatch, probe_us):
    """Text with tag fields is counted on SQLite either by probing FTS5's matches one by one
    or by intersecting id lists, by estimated cost; each way alone gives the same answers."""
    from vimon.store import analysis

    store, ids = corpus_store
    monkeypatch.setattr(analysis, "PROBE_US", probe_us)
    monkeypatch.setattr(analysis, "PROBE_DENSITY", 0.0)  # dense: the count decides the plan
    for case in CASES:
        exact = len(case) > 2 and case[2]
        assert _run(store, ids, case[0], exact) == case[1], case[0]


def test_count_cap_stops_counting_and_the_page_is_unchanged(corpus_store):
    from vimon.store.querylang import parse

    store, _ids = corpus_store
    for q in ("hà nội", "source:bao-a OR mưa", "ngập*"):
        rows, total = store.search_items(parse(q), limit=100)
        capped_rows, capped = store.search_items(parse(q), limit=100, count_cap=2)
        assert [r["id"] for r in capped_rows] == [r["id"] for r in rows]
        assert capped == min(total, 2)


def test_walk_plan_matches_whole_tokens_like_fts(sqlite_store, settings, monkeypatch):
    """The walk plan's regular expression must match tokens as FTS5 does: "an" is not inside
    "ban", a phrase needs its words in order, a prefix only at a word start."""
    from vimon.store import analysis
    from vimon.store.querylang import parse

    monkeypatch.setattr(analysis, "PROBE_DENSITY", 0.0)
    run_rows(sqlite_store, settings, [
        {"id": "1", "source": "s", "text": "Ban quản lý chợ họp bàn về an toàn thực phẩm",
         "published_at": "2026-11-20T08:00:00"},
        {"id": "2", "source": "s", "text": "Bản tin thời tiết: trời nắng, gió nhẹ cả ngày",
         "published_at": "2026-11-20T09:00:00"},
        {"id": "3", "source": "t", "text": "Cảnh báo mưa lớn, ngập úng tại nhiều tuyến phố",
         "published_at": "2026-11-20T10:00:00"},
    ])

    def texts(q: str) -> list[str]:
        rows, total = sqlite_store.search_items(parse(q), limit=10)
        assert total == len(rows)
        return sorted(r["text_norm"][:4] for r in rows)

    assert texts("an") == ["Ban "]  # item 1 has the token "an"; "ban"/"bản" are not it
    assert texts("source:s an") == ["Ban "]
    assert texts('"toan thuc"') == ["Ban "] and texts('"thuc toan"') == []
    assert texts("ngap*") == ["Cảnh"] and texts("gap*") == []
    assert texts("source:t mua") == ["Cảnh"] and texts("source:s mua") == []
