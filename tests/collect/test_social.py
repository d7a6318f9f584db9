"""Facebook Graph and YouTube Data API connectors against local mocks built from the
documented response shapes: pagination, comments, errors, quota exhaustion."""

from __future__ import annotations

import pytest

from tests.collect.server import api_mocks


@pytest.fixture
def api_settings(site, csettings, monkeypatch):  # type: ignore[no-untyped-def]
    from vimon.settings import get_settings, reset_settings

    api_mocks(site)
    monkeypatch.setenv("VIMON_FACEBOOK_TOKEN", "fb-test-token")
    monkeypatch.setenv("VIMON_FACEBOOK_API_BASE", site.base + "/graph")
    monkeypatch.setenv("VIMON_YOUTUBE_API_KEY", "yt-test-key")
    monkeypatch.setenv("VIMON_YOUTUBE_API_BASE", site.base + "/yt")
    reset_settings()
    return get_settings()


def _by_id(store, source):  # type: ignore[no-untyped-def]
    rows, _ = store.list_items(source=source, limit=100)
    return {r["external_id"]: store.get_item(r["id"]) for r in rows}


def test_facebook_page_posts_pages_and_comments(api_settings, sqlite_store, site):
    from vimon.collect.scheduler import collect_once
    from vimon.collect.sources import add_source

    add_source(sqlite_store, "https://www.facebook.com/phuongphucxa", key="px-phucxa",
               followers=62000, extra={"page_id": "1111"})
    run = collect_once(sqlite_store, api_settings)[0]
    assert run.ok, run
    got = _by_id(sqlite_store, "px-phucxa")
    assert {"1111_2001", "1111_2002", "1111_2003", "2001_9001", "2001_9002"} == set(got)
    post = got["1111_2001"]
    assert post["kind"] == "post" and post["metrics"] == {"likes": 85, "comments": 2, "shares": 12}
    assert post["followers"] == 62000
    assert got["2001_9001"]["kind"] == "comment" and got["2001_9001"]["parent_id"] == "1111_2001"
    # Comments the token may not read: noted in the health log, the post is kept.
    assert any(e["code"] == "permission_denied" for e in sqlite_store.list_collect_events())
    # The token never reaches the evidence.
    for iid in (post["id"], got["2001_9001"]["id"]):
        for snap in sqlite_store.evidence_for_item(iid):
            assert "fb-test-token" not in snap["url"] + snap["final_url"]
    # Next run asks only for newer posts; nothing is stored twice.
    again = collect_once(sqlite_store, api_settings)[0]
    assert again.ok and again.new == 0


@pytest.mark.parametrize(("setup", "code"), [
    ("bad_token", "auth_error"), ("rate", "rate_limited"), ("group", "permission_denied"),
    ("no_token", "not_configured"),
])
def test_facebook_errors(api_settings, sqlite_store, site, monkeypatch, setup, code):
    from vimon.collect.scheduler import collect_once
    from vimon.collect.sources import add_source
    from vimon.settings import get_settings, reset_settings

    url, extra = "https://www.facebook.com/phuongphucxa", {"page_id": "1111"}
    if setup == "bad_token":
        monkeypatch.setenv("VIMON_FACEBOOK_TOKEN", "expired")
    elif setup == "no_token":
        monkeypatch.delenv("VIMON_FACEBOOK_TOKEN")
    elif setup == "rate":
        site.api_state["fb_rate"] = True
    elif setup == "group":
        url, extra = "https://www.facebook.com/groups/9999", {}
    reset_settings()
    add_source(sqlite_store, url, key="fb-src", extra=extra)
    run = collect_once(sqlite_store, get_settings())[0]
    assert not run.ok and run.error_code == code
    st = sqlite_store.collect_sources(["fb-src"])[0]
    assert st["state_last_error_code"] == code
    if code == "rate_limited":  # postponed by an hour, not retried in a hot loop
        assert (st["state_next_due_at"] - st["state_last_attempt_at"]).total_seconds() >= 3500


def test_youtube_uploads_statistics_and_comments(api_settings, sqlite_store):
    from vimon.collect.scheduler import collect_once
    from vimon.collect.sources import add_source

    add_source(sqlite_store, "https://www.youtube.com/channel/UCquanhoankiem000000000",
               key="yt-hoankiem")
    run = collect_once(sqlite_store, api_settings)[0]
    assert run.ok, run
    got = _by_id(sqlite_store, "yt-hoankiem")
    assert {"vid00000001", "vid00000002", "vid00000003", "Ugc00000001", "Ugc00000002"} == set(got)
    v1 = got["vid00000001"]
    assert v1["kind"] == "video" and v1["metrics"] == {"views": 15000, "likes": 320, "comments": 2}
    assert v1["followers"] == 56000
    assert got["Ugc00000002"]["parent_id"] == "vid00000001"  # second page of comments
    assert len(sqlite_store.evidence_for_item(v1["id"])) == 2  # playlist page + statistics
    again = collect_once(sqlite_store, api_settings)[0]
    assert again.ok and again.new == 0


def test_youtube_quota_exhausted_postpones_source(api_settings, sqlite_store, site):
    from vimon.collect.scheduler import collect_once
    from vimon.collect.sources import add_source

    site.api_state["yt_quota"] = True
    add_source(sqlite_store, "https://www.youtube.com/@quanhoankiem", key="yt-q")
    run = collect_once(sqlite_store, api_settings)[0]
    assert not run.ok and run.error_code == "quota_exceeded"
    st = sqlite_store.collect_sources(["yt-q"])[0]
    assert (st["state_next_due_at"] - st["state_last_attempt_at"]).total_seconds() >= 3500
