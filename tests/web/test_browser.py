"""The pages people click, in headless Chromium (Debian's `chromium`, driven by Playwright).

A real uvicorn server on loopback serves a real database; the browser searches, filters and
opens an item as an analyst would, and a screenshot of each page is kept for review.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.helpers import OTHER, STORY, STORY_REWRITE, run_rows, serve_in_thread, staff_session

_SESSIONS: dict[str, str] = {}
CHROMIUM = os.environ.get("VIMON_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("VIMON_SCREENSHOTS", "")) if os.environ.get("VIMON_SCREENSHOTS") else None


@pytest.fixture
def live_server(sqlite_store, settings):
    from vimon.web.app import create_app

    run_rows(sqlite_store, settings, [
        {"id": "1", "source": "tin-thu-do", "kind": "article", "title": "Công viên mới ở Ba Đình",
         "text": STORY, "published_at": "2026-11-20T08:00:00"},
        {"id": "2", "source": "bao-song-moi", "kind": "article", "title": "Ba Đình khánh thành công viên",
         "text": STORY_REWRITE, "published_at": "2026-11-20T10:00:00"},
        {"id": "3", "source": "cu-dan-dong-da", "kind": "post", "text": OTHER,
         "published_at": "2026-11-21T21:00:00"},
        {"id": "4", "source": "cu-dan-dong-da", "kind": "comment", "parent_id": "3",
         "text": "<script>window.__pwned = 1</script> ngập quá, đi làm muộn"},
    ])
    with serve_in_thread(create_app(sqlite_store, settings)) as url:
        _SESSIONS[url] = staff_session(sqlite_store, settings)  # staff pages need a login
        yield url


@pytest.fixture
def page():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        pg = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        yield pg
        browser.close()


def _login(page, base: str) -> None:
    page.context.add_cookies([{"name": "vimon_session", "value": _SESSIONS[base], "url": base}])


def _shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_analyst_searches_and_opens_a_story_cluster(live_server, page):
    _login(page, live_server)
    page.goto(live_server + "/")
    assert page.title().startswith("Tổng quan")
    assert page.locator(".card .num").first.inner_text() == "4"
    _shot(page, "dashboard")

    page.fill("form.search input[name=q]", "cong vien ba dinh")  # no diacritics typed
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_url("**/items?q=*")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 2
    _shot(page, "search")

    page.click("text=Công viên mới ở Ba Đình")
    page.wait_for_url("**/items/*")
    assert page.locator("h1").inner_text() == "Công viên mới ở Ba Đình"
    cluster_section = page.locator("section", has_text="Cụm tin")
    assert "Ba Đình khánh thành công viên" in cluster_section.inner_text()
    _shot(page, "item")


def test_filters_and_hostile_text_stay_inert(live_server, page):
    _login(page, live_server)
    page.goto(live_server + "/items")
    page.select_option("select[name=kind]", "comment")
    page.click("form.filters button")
    page.wait_for_url("**kind=comment**")
    assert page.locator("table.list tbody tr").count() == 1
    page.click("table.list tbody tr a >> nth=1")
    page.wait_for_url("**/items/*")
    assert "<script>" in page.locator(".text").inner_text()  # shown as text…
    assert page.evaluate("window.__pwned === undefined")  # …never run
