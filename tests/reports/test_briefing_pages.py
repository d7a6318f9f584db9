"""The period report in the web UI: the page, its .json twin and the DOCX/XLSX downloads say
the same, in headless Chromium against a real server; staff only."""

from __future__ import annotations

import io

import pytest

from tests.helpers import run_rows, serve_in_thread, staff_session
from tests.reports.test_period_reports import ROWS
from tests.web.test_browser import _shot, page  # noqa: F401  (the Chromium fixture)


@pytest.fixture
def server(sqlite_store, settings):
    from vimon.web.app import create_app

    run_rows(sqlite_store, settings, ROWS)
    cookie = staff_session(sqlite_store, settings, "analyst")
    with serve_in_thread(create_app(sqlite_store, settings)) as url:
        yield url, cookie


def test_briefing_page_json_and_files_agree(server):  # type: ignore[no-untyped-def]
    import httpx
    from openpyxl import load_workbook

    base, cookie = server
    q = "?period=week&date=2026-11-18"
    assert httpx.get(base + "/briefing.json" + q).status_code in (401, 303)  # staff only
    with httpx.Client(base_url=base, cookies={"vimon_session": cookie}) as c:
        data = c.get("/briefing.json" + q).json()
        assert data["period"]["label"] == "Tuần 47/2026 (16/11–22/11/2026)"
        assert data["totals"]["n"] == 4
        assert [s["heading"][:2] for s in data["sections"]] == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]
        xlsx = c.get("/briefing.xlsx" + q)
        assert xlsx.headers["content-disposition"].endswith('vimon-bao-cao-week-2026-11-16.xlsx"')
        rows = list(load_workbook(io.BytesIO(xlsx.content))["Tổng quan"].iter_rows(values_only=True))
        assert ("Số tin", 4, 0, "—") in rows
        assert c.get("/briefing.docx" + q).content[:2] == b"PK"
        for bad in ("?period=fortnight", "?date=2026-02-30"):
            r = c.get("/briefing.json" + bad)
            assert r.status_code == 400 and "error" in r.json()
        pdf = c.get("/briefing.pdf" + q)
        assert pdf.content[:5] == b"%PDF-" and pdf.headers["content-type"] == "application/pdf"
        assert c.get("/briefing.odt" + q).status_code == 404


def test_briefing_in_the_browser(server, page):  # noqa: F811
    base, cookie = server
    page.context.add_cookies([{"name": "vimon_session", "value": cookie, "url": base}])
    page.goto(base + "/briefing?date=2026-11-20")
    assert page.locator("h1").inner_text() == "Báo cáo ngày — Ngày 20/11/2026"
    assert "Tổng số tin thu thập: 3" in page.locator("section.report-section").first.inner_text()
    page.select_option("select[name=period]", "month")
    page.click("form.filters button")
    page.wait_for_url("**period=month**")
    assert page.locator("h1").inner_text() == "Báo cáo tháng — Tháng 11/2026"
    story = page.locator("section.report-section", has_text="Vấn đề nổi bật")
    assert "Ba Đình" in story.inner_text()
    with page.expect_download() as dl:
        page.click("text=Tải DOCX")
    assert dl.value.suggested_filename == "vimon-bao-cao-month-2026-11-01.docx"
    _shot(page, "period-report")
