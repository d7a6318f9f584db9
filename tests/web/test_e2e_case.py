"""End to end in headless Chromium: a citizen reports a post, an analyst finds the report
merged into a case with the monitored item and proposes removal, a supervisor approves, the
letter downloads, a debunk is published and reaches the ticket page and the RSS feed.
`make screenshots` keeps a picture of every page on the way (docs/screenshots/)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import service_missing
from tests.helpers import run_rows, serve_in_thread

CHROMIUM = os.environ.get("VIMON_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ["VIMON_SCREENSHOTS"]) if os.environ.get("VIMON_SCREENSHOTS") else None
POST_URL = "https://www.facebook.com/nhomtinnong/posts/778899"
CLAIM_TEXT = ("Nóng: từ ngày 1 tháng 12 thành phố Hà Nội sẽ cấm hoàn toàn xe máy chạy trong nội "
              "thành, ai vi phạm bị phạt 20 triệu đồng, mọi người chia sẻ gấp cho người thân biết.")
PASSWORDS = {"chuyenvien": "mat-khau-chuyen-vien", "lanhdao": "mat-khau-lanh-dao-1"}


@pytest.fixture
def server(sqlite_store, settings):

    from vimon.auth import service
    from vimon.web.app import create_app

    settings.report_pow_bits = 10  # a lighter proof of work keeps the test quick
    run_rows(sqlite_store, settings, [
        {"id": "778899", "source": "nhom-tin-nong", "kind": "post", "url": POST_URL,
         "text": CLAIM_TEXT, "published_at": "2026-11-22T07:30:00",
         "metrics": {"likes": 1200, "shares": 830}, "followers": 56000},
    ])
    service.create_user(sqlite_store, "chuyenvien", "analyst", password=PASSWORDS["chuyenvien"],
                        display_name="Nguyễn Văn An")
    service.create_user(sqlite_store, "lanhdao", "supervisor", password=PASSWORDS["lanhdao"],
                        display_name="Trần Thị Bình")
    with serve_in_thread(create_app(sqlite_store, settings)) as url:
        yield url


@pytest.fixture
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        service_missing("Chromium", f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _page(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                              accept_downloads=True)
    return ctx.new_page()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _login(page, base: str, who: str, next_path: str = "/cases") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login?next={next_path}")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", PASSWORDS[who])
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_report_to_case_to_letter_to_debunk(server, browser, tmp_path):
    # 1. A citizen reports the post (another spelling of its link), anonymously.
    citizen = _page(browser)
    citizen.goto(server + "/report")
    citizen.select_option("select[name=category]", "tin_sai")
    citizen.fill("input[name=url]", POST_URL.replace("www.", "m.") + "/?fbclid=abc123")
    citizen.fill("textarea[name=description]", "Tin này đang lan truyền trong các nhóm cư dân.")
    citizen.wait_for_selector("form[data-pow=done]", timeout=30_000)
    _shot(citizen, "01-report-form")
    citizen.click("#report-form button[type=submit]")
    citizen.wait_for_selector("#ticket")
    ticket = citizen.inner_text("#ticket").strip()
    assert ticket.startswith("PA-")
    _shot(citizen, "02-report-received")

    # 2. The analyst finds it merged into one case with the monitored item.
    analyst = _page(browser)
    _login(analyst, server, "chuyenvien", "/review")
    assert "Người dân phản ánh" in analyst.inner_text("#queue")
    _shot(analyst, "03-review-queue")
    analyst.goto(server + "/cases")
    _shot(analyst, "04-cases")
    analyst.click("table.list tbody tr a")
    analyst.wait_for_url("**/cases/*")
    case_url = analyst.url
    assert analyst.locator(".item-row").count() == 1
    assert POST_URL in analyst.inner_text(".item-row")
    assert ticket in analyst.inner_text(".report-row")
    # … and proposes a removal request to the platform.
    analyst.select_option("#propose select[name=kind]", "removal_request")
    analyst.select_option("#propose select[name=platform]", "facebook")
    analyst.click("#propose button[type=submit]")
    analyst.wait_for_url(case_url)
    assert analyst.inner_text("#case-status") == "Đã đề xuất xử lý"
    assert analyst.locator(".letter-docx").count() == 0  # nothing leaves before approval
    _shot(analyst, "05-case-proposed")

    # 3. The supervisor approves; the letter downloads (DOCX and PDF).
    boss = _page(browser)
    _login(boss, server, "lanhdao", "/cases")
    assert "Chờ phê duyệt" in boss.inner_text("main")
    boss.goto(case_url)
    boss.click("button.approve")
    boss.wait_for_url(case_url)
    assert boss.inner_text("#case-status") == "Đã phê duyệt"
    assert "còn 23 giờ" in boss.inner_text("#actions")  # the platform's 24-hour window
    _shot(boss, "06-case-approved")
    with boss.expect_download() as dl:
        boss.click(".letter-docx")
    docx = tmp_path / "letter.docx"
    dl.value.save_as(docx)
    assert docx.read_bytes()[:2] == b"PK"
    with boss.expect_download() as dl:
        boss.click(".letter-pdf")
    pdf = tmp_path / "letter.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"

    # 4. The supervisor publishes a debunk from the case.
    boss.fill("#publish-debunk textarea[name=claim]",
              "Hà Nội sẽ cấm hoàn toàn xe máy chạy trong nội thành từ ngày 1 tháng 12")
    boss.select_option("#publish-debunk select[name=verdict]", "tin_sai_su_that")
    boss.fill("#publish-debunk textarea[name=correction]",
              "UBND thành phố chưa ban hành quy định nào cấm xe máy từ ngày 1/12.")
    boss.fill("#publish-debunk textarea[name=sources]", "https://hanoi.gov.vn/thong-bao")
    boss.click("#publish-debunk button[type=submit]")
    boss.wait_for_url(case_url)
    boss.click("main a[href^='/debunks/']")
    boss.wait_for_url("**/debunks/*")
    assert '"ClaimReview"' in boss.inner_html("head") + boss.inner_html("body")
    _shot(boss, "07-debunk")

    # 5. The citizen sees the debunk on the ticket page and in the RSS feed.
    citizen.goto(f"{server}/report/{ticket}")
    box = citizen.inner_text(".debunk-on-ticket")
    assert "Tin sai sự thật" in box and "cấm hoàn toàn xe máy" in box
    _shot(citizen, "08-ticket-with-debunk")
    rss = citizen.request.get(server + "/debunks.rss").text()
    assert "cấm hoàn toàn xe máy" in rss
    citizen.goto(server + "/debunks")
    _shot(citizen, "09-debunks")

    # 6. The audit trail holds every step, and the chain verifies.
    boss.goto(server + "/audit?verify=1")
    text = boss.inner_text("main")
    assert "Toàn vẹn" in text
    for action in ("report.create", "login.success", "action.propose", "action.approved",
                   "letter.download", "debunk.publish"):
        assert action in text
    _shot(boss, "10-audit")
