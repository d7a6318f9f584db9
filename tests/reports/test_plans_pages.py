"""The plans page in headless Chromium: an analyst records a task's progress through the
form (audited, shown at once); a viewer sees the plans but no form, and a POST is refused."""

from __future__ import annotations

import pytest

from tests.helpers import serve_in_thread, staff_session
from tests.reports.test_plans import CSV
from tests.web.test_browser import _shot, page  # noqa: F401  (the Chromium fixture)


@pytest.fixture
def server(sqlite_store, settings):
    from vimon.plans import import_tasks
    from vimon.web.app import create_app

    import_tasks(sqlite_store, CSV, "can-bo")
    cookies = {role: staff_session(sqlite_store, settings, role) for role in ("analyst", "viewer")}
    with serve_in_thread(create_app(sqlite_store, settings)) as url:
        yield url, cookies, sqlite_store


def test_analyst_records_progress_viewer_cannot(server, page):  # noqa: F811
    import httpx

    base, cookies, store = server
    page.context.add_cookies([{"name": "vimon_session", "value": cookies["analyst"], "url": base}])
    page.goto(base + "/plans?as_of=2025-06-30")
    row = page.locator("tr[data-task='3.2b']")
    assert "Chưa triển khai" in row.locator("td.status").inner_text()
    row.locator("select[name=status]").select_option("in_progress")
    row.locator("input[name=value]").fill("7")
    row.locator("input[name=note]").fill("Đã ký thỏa thuận với 7 trang")
    row.locator("button[type=submit]").click()
    page.wait_for_url(base + "/plans")
    page.goto(base + "/plans?as_of=2025-06-30")
    row = page.locator("tr[data-task='3.2b']")
    assert "Đang thực hiện" in row.locator("td.status").inner_text()
    assert "7 / 10" in row.inner_text() and "7 trang" in row.inner_text()
    overdue = page.locator("tr[data-task='II.3'] td.status")
    assert "quá hạn" in overdue.inner_text()
    _shot(page, "plans")
    assert [e["action"] for e in store.list_audit(limit=5)][0] == "plan.progress"

    with httpx.Client(base_url=base, cookies={"vimon_session": cookies["viewer"]}) as c:
        html = c.get("/plans").text
        assert "3.2b" in html and 'action="/plans/progress"' not in html
        data = c.get("/plans.json?as_of=2025-06-30").json()
        assert {p["plan"] for p in data["plans"]} == {"QĐ 3550/QĐ-UBND", "KH 123/KH-UBND"}
        assert c.get("/plans.json?as_of=30-06-2025").status_code == 400
        import re

        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # the logout form's
        refused = c.post("/plans/progress", data={"csrf": csrf, "plan": "QĐ 3550/QĐ-UBND",
                                                  "code": "3.2b", "status": "done"})
        assert refused.status_code == 403
    assert [e["action"] for e in store.list_audit(limit=5)].count("plan.progress") == 1
