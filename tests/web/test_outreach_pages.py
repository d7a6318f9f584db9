"""Outreach pages (partners, campaigns, spread, compliance, impersonation): their .json twins
through the app, and the pages in headless Chromium with screenshots for docs/screenshots."""

from __future__ import annotations

import pytest

from tests.helpers import serve_in_thread, staff_session
from tests.outreach.corpus import load
from tests.web.test_browser import _shot, page  # noqa: F401 - the Chromium fixture

IMPOSTOR = {"key": "anbinh-fake", "name": "UBND Phuong Phúc Хá - Hỗ Trợ Người Dân", "kind": "social-page",
            "url": "https://www.facebook.com/ubnd.phuong.phucxa.hotro.demo", "followers": 2900}


@pytest.fixture
def outreach_app(sqlite_store, settings):
    from vimon.web.app import create_app

    load(sqlite_store, settings)
    sqlite_store.upsert_source(IMPOSTOR)
    from tests.helpers import run_rows

    run_rows(sqlite_store, settings, [{"id": "f1", "source": "anbinh-fake", "kind": "post",
                                       "text": "Cấp lại căn cước online, liên hệ Zalo để được hỗ trợ nhanh",
                                       "published_at": "2026-11-03T08:00:00+07:00"}])
    return create_app(sqlite_store, settings), sqlite_store, settings


def test_json_twins(outreach_app):
    from fastapi.testclient import TestClient

    app, store, settings = outreach_app
    client = TestClient(app)
    client.cookies.set("vimon_session", staff_session(store, settings))
    r = client.get("/partners.json").json()
    assert [x["source"] for x in r["rows"]][:2] == ["p1", "p2"]
    r = client.get("/compliance.json").json()
    assert {s["source"]: s["violating"] for s in r["sites"]} == {"bao-x": 2, "tonghop-y": 0}
    r = client.get("/impersonation.json").json()
    assert [f["subject"] for f in r["flags"]] == ["anbinh-fake"]
    r = client.get("/spread.json?days=3650").json()
    assert sum(s["n"] for s in r["officials"]) == 7
    assert client.get("/campaigns.json").status_code == 200


@pytest.fixture
def live(outreach_app):
    app, store, settings = outreach_app
    with serve_in_thread(app) as url:
        yield url, staff_session(store, settings)


def test_outreach_pages_in_chromium(live, page):  # noqa: F811
    base, cookie = live
    page.context.add_cookies([{"name": "vimon_session", "value": cookie, "url": base}])
    page.goto(base + "/partners")
    assert page.locator("table.partners tbody tr").first.inner_text().startswith("1")
    assert "Yêu An Bình" in page.locator("table.partners tbody tr").first.inner_text()
    page.select_option("select[name=source]", "p1")
    page.fill("input[name=starts_on]", "2026-11-01")
    page.fill("input[name=contact]", "Quản trị trang Yêu An Bình")
    page.fill("form.agreement-form input[name=topics]", "dịch vụ công")
    page.click("form.agreement-form button")
    page.wait_for_url("**/partners")
    assert "Quản trị trang Yêu An Bình" in page.locator("table.agreements").inner_text()
    _shot(page, "partners")

    page.goto(base + "/campaigns?month=2026-11")
    page.fill("form.campaign-form input[name=name]", "Dịch vụ công trực tuyến An Bình")
    page.fill("form.campaign-form input[name=starts_on]", "2026-11-02")
    page.fill("form.campaign-form input[name=ends_on]", "2026-11-08")
    page.fill("form.campaign-form input[name=keywords]", "An Bình")
    page.fill("form.campaign-form input[name=kpi_shares]", "500")
    page.click("form.campaign-form button")
    page.wait_for_url("**/campaigns/dich-vu-cong-truc-tuyen-an-binh")
    assert "đạt" in page.locator("table.kpis").inner_text()
    _shot(page, "campaign")
    page.goto(base + "/campaigns?month=2026-11")
    assert "Dịch vụ công trực tuyến An Bình" in page.locator("table.calendar").inner_text()
    _shot(page, "campaigns")

    page.goto(base + "/spread?days=3650")
    assert "Yêu An Bình" in page.locator("table.scorecard").inner_text()
    _shot(page, "spread")

    page.goto(base + "/compliance")
    assert page.locator("section[data-source=bao-x] .violating").inner_text() == "2"
    _shot(page, "compliance")

    page.goto(base + "/impersonation")
    assert "UBND phường Phúc Xá" in page.locator("table.flags").inner_text()
    _shot(page, "impersonation")
