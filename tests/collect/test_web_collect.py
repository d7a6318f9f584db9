"""Website collectors against the loopback site: good pages, hostile pages, other entry
points (Atom, sitemap index, listing), conditional GET and health."""

from __future__ import annotations

import time

import pytest

from tests.collect.server import news_site


def _add(store, url, key, **kw):  # type: ignore[no-untyped-def]
    from vimon.collect.sources import add_source

    return add_source(store, url, kind="e-newspaper", key=key, **kw)


def _items(store, source):  # type: ignore[no-untyped-def]
    rows, _ = store.list_items(source=source, limit=500)
    return {r["external_id"]: r for r in rows}


@pytest.mark.parametrize("workers", [0, 2], ids=["one-process", "workers-fetch"])
def test_hostile_site_every_page_has_a_defined_outcome(site, csettings, sqlite_store, workers):
    """With extraction workers (and no host delay) the workers fetch the article pages
    themselves (vimon.collect.crawl): every hostile page still has the same outcome, and the
    host sees the same requests (Retry-After waited for, one retry of the 500)."""
    from vimon.collect.scheduler import collect_once

    store = sqlite_store
    expected = news_site(site)
    _add(store, site.base + "/rss.xml", "bao-mau")
    settings = csettings.model_copy(update={"collect_extract_workers": workers})
    t0 = time.monotonic()
    [run] = collect_once(store, settings)
    took = time.monotonic() - t0
    assert run.ok and took < 25, (run, took)
    assert (run.crawled > 0) == (workers > 0), run
    got = _items(store, "bao-mau")
    events = {e["url"].removeprefix(site.base): e["code"] for e in store.list_collect_events(200)}
    for path, outcome in expected.items():
        url = site.base + path
        if outcome == "item":
            assert url in got, f"{path}: expected an item, events say {events.get(path)}"
        else:
            assert url not in got and events.get(path) == outcome, (path, events.get(path))
    # The off-site entry is stored from the feed itself, never fetched.
    assert "https://bao-khac.example.vn/tin-ngoai-123456.html" in got
    # Legacy encodings arrive as Unicode NFC.
    for enc in ("cp1258", "vni", "tcvn3"):
        item = got[f"{site.base}/bai/bai-viet-{enc}-10000{ {'cp1258': 2, 'vni': 3, 'tcvn3': 4}[enc] }.html"]
        full = store.get_item(item["id"])
        assert f"Bài viết mã {enc} về Việt Nam" == full["title"]
        assert "người dân phường Phúc Xá" in full["text"] and "Việt Nam" in full["text"]
    # Content failures are quarantined with their reason; transport ones are health events.
    reasons = store.quarantine_reasons()
    for code in ("no_article", "decompression_bomb", "redirect_loop", "body_too_large",
                 "bad_content_type"):
        assert reasons.get(code), code
    assert "total_timeout" not in reasons and "robots_disallow" not in reasons
    assert site.hits["/private/bi-chan-robots-100011.html"] == 0  # robots.txt honoured
    assert site.hits["/bai/qua-tai-429-100010.html"] == 2  # waited for Retry-After, then got it
    assert site.hits["/bai/loi-may-chu-100009.html"] == 2  # retried once


def test_second_run_is_conditional_and_stores_nothing_twice(site, csettings, sqlite_store):
    from vimon.collect.scheduler import collect_once

    store = sqlite_store
    site.articles["/bai/mot-bai-duy-nhat-700001.html"] = "Một bài duy nhất"
    from tests.collect import server

    entries = [("/bai/mot-bai-duy-nhat-700001.html", "Một bài duy nhất")]

    @site.route("/rss.xml")
    def rss(h, q):  # type: ignore[no-untyped-def]
        if h.headers.get("If-None-Match") == '"v1"':
            h.send(304, b"", headers={"ETag": '"v1"'})
            return
        body = server.fixture("rss.xml").replace("{items}", server.rss_items(site.base, entries))
        h.send(200, body.replace("{base}", site.base).encode(), "application/rss+xml",
               {"ETag": '"v1"'})

    _add(store, site.base + "/rss.xml", "bao-mau")
    first = collect_once(store, csettings)[0]
    assert first.ok and first.new == 2
    second = collect_once(store, csettings)[0]
    assert second.ok and second.new == 0 and second.duplicate == 0
    assert site.hits["/bai/mot-bai-duy-nhat-700001.html"] == 1  # queue remembers done pages
    assert store.count_items(source="bao-mau") == 2
    state = store.collect_sources(["bao-mau"])[0]
    assert state["state_runs"] == 2 and state["state_error_streak"] == 0


@pytest.mark.parametrize(("path", "code"), [("/broken.xml", "bad_feed"),
                                            ("/rss-la-html", "not_a_feed")])
def test_bad_feeds_are_quarantined_and_fail_the_source(site, csettings, sqlite_store, path, code):
    from vimon.collect.scheduler import collect_once

    news_site(site)
    _add(sqlite_store, site.base + "/thoi-su", "bao-mau", feed_urls=[site.base + path])
    run = collect_once(sqlite_store, csettings)[0]
    # The listing page still works: one bad feed does not stop the good entry point.
    assert run.ok and run.new == 2
    assert sqlite_store.quarantine_reasons().get(code) == 1
    only_feed = _add(sqlite_store, site.base + path, "chi-feed-hong",
                     )["key"]
    sqlite_store.upsert_source({"key": only_feed, "extra": {"connector": "rss"}})
    run = collect_once(sqlite_store, csettings, [only_feed])[0]
    assert not run.ok and run.error_code == code


def test_atom_sitemap_index_and_listing(site, csettings, sqlite_store):
    from vimon.collect.scheduler import collect_once

    news_site(site)
    _add(sqlite_store, site.base + "/atom.xml", "cong-ba-dinh")
    _add(sqlite_store, site.base + "/sitemap.xml", "bao-sitemap")
    _add(sqlite_store, site.base + "/thoi-su", "bao-chuyen-muc")
    runs = {r.key: r for r in collect_once(sqlite_store, csettings)}
    assert all(r.ok for r in runs.values()), runs
    assert set(_items(sqlite_store, "cong-ba-dinh")) == {
        site.base + "/bai/dich-vu-cong-truc-tuyen-ba-dinh-200001.html"}
    sm = _items(sqlite_store, "bao-sitemap")
    assert set(sm) == {site.base + "/bai/khanh-thanh-cau-vuot-nga-tu-so-400001.html",
                       site.base + "/bai/tuyen-buyt-dien-moi-400002.html"}  # off-host left out
    listed = _items(sqlite_store, "bao-chuyen-muc")
    assert set(listed) == {site.base + "/bai/hoi-nghi-chuyen-doi-so-quan-hoan-kiem-300001.html",
                           site.base + "/bai/ra-quan-don-ve-sinh-mua-dong-300002.html"}
    one = next(iter(sm.values()))
    assert one["published_at"] is not None


def test_source_marked_unhealthy_after_repeated_failures(site, csettings, sqlite_store, monkeypatch):
    from vimon.collect.scheduler import collect_once
    from vimon.settings import get_settings, reset_settings

    monkeypatch.setenv("VIMON_COLLECT_UNHEALTHY_AFTER", "3")
    monkeypatch.setenv("VIMON_COLLECT_RETRIES", "0")
    reset_settings()
    s = get_settings()

    @site.route("/down.xml")
    def down(h, q):  # type: ignore[no-untyped-def]
        h.send(503, b"maintenance")

    _add(sqlite_store, site.base + "/down.xml", "bao-sap")
    for n in range(1, 4):
        run = collect_once(sqlite_store, s)[0]
        assert not run.ok and run.error_code == "http_5xx"
        st = sqlite_store.collect_sources(["bao-sap"])[0]
        assert st["state_error_streak"] == n and st["state_healthy"] is (n < 3)

    @site.route("/down.xml")
    def up(h, q):  # type: ignore[no-untyped-def]
        h.send(200, b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
               "application/rss+xml")

    assert collect_once(sqlite_store, s)[0].ok
    st = sqlite_store.collect_sources(["bao-sap"])[0]
    assert st["state_healthy"] is True and st["state_error_streak"] == 0
