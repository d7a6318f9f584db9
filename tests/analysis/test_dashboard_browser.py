"""In headless Chromium: the morning view draws its charts from local JS (no CDN), each with
PNG and CSV downloads; the search page highlights matches and reports syntax errors."""

from __future__ import annotations

import pytest

from tests.helpers import run_rows, serve_in_thread, staff_session
from tests.search.corpus import ROWS
from tests.web.test_browser import _shot, page  # noqa: F401  (the Chromium fixture)


@pytest.fixture
def server(sqlite_store, settings):

    from vimon.web.app import create_app

    run_rows(sqlite_store, settings.model_copy(update={"classify_on_ingest": False}), ROWS)
    cookie = staff_session(sqlite_store, settings, "analyst")
    with serve_in_thread(create_app(sqlite_store, settings)) as url:
        yield url, cookie


def test_dashboard_charts_download_png_and_csv(server, page):  # noqa: F811
    base, cookie = server
    page.context.add_cookies([{"name": "vimon_session", "value": cookie, "url": base}])
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(
        (base, "data:")) else None)
    page.goto(base + "/dashboard?days=400")
    page.wait_for_selector("figure[data-ready='1'] svg")
    assert page.locator("figure[data-chart] svg").count() == 5
    with page.expect_download() as dl:
        page.locator("figure[data-chart='chart-topics'] button[data-download='csv']").click()
    assert dl.value.suggested_filename == "theo-chu-de.csv"
    with page.expect_download() as dl:
        page.locator("figure[data-chart='chart-topics'] button[data-download='png']").click()
    assert dl.value.suggested_filename == "theo-chu-de.png"
    assert external == []
    _shot(page, "morning-dashboard")


def test_search_page_in_the_browser(server, page):  # noqa: F811
    base, cookie = server
    page.context.add_cookies([{"name": "vimon_session", "value": cookie, "url": base}])
    page.goto(base + "/search")
    page.fill("form.search-form input[name=q]", "ngap -video")
    page.press("form.search-form input[name=q]", "Enter")
    page.wait_for_selector("ol.results li")
    assert page.locator("ol.results mark").count() >= 3
    _shot(page, "search-language")
    page.fill("form.search-form input[name=q]", "ngập AND (mưa")
    page.press("form.search-form input[name=q]", "Enter")
    page.wait_for_selector("[role=alert]")
    assert "^" in page.locator("pre.pointer").inner_text()
