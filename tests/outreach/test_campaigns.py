"""Campaign plans: KPIs from the official items' spread, calendar, before/after balance."""

from __future__ import annotations

from datetime import date

import pytest

from vimon.analysis import campaigns
from vimon.errors import VimonError


def test_campaign_report(loaded):
    store, ids = loaded
    slug = campaigns.create(store, "test", {
        "name": "Dịch vụ công trực tuyến An Bình", "topic": "dịch vụ công",
        "starts_on": "2026-11-02", "ends_on": "2026-11-08", "goal": "Người dân biết nộp hồ sơ trực tuyến",
        "messages": "Nộp hồ sơ trực tuyến\nKhông đưa mã OTP", "partners": "p1, p2",
        "keywords": "An Bình", "item_ids": [ids["o1"]],
        "kpis": {"shares": "500", "engagement": "100000"}})
    rep = campaigns.report(store, slug)
    assert [o["item_id"] for o in rep["officials"]] == [ids["o1"], ids["o2"]]  # o2 by keyword
    kp = {k["key"]: k for k in rep["kpis"]}
    assert kp["shares"]["actual"] == 10 + 1 + 300 + 0 + 80 + 10 + 200 + 0 + 5
    assert kp["shares"]["met"] is True and kp["engagement"]["met"] is False
    assert rep["officials"][0]["partners"] == ["p1", "p2"]
    assert rep["balance"]["during"]["positive"] == 4 and rep["balance"]["during"]["negative"] == 1
    assert rep["balance"]["before"]["n"] == 0 and rep["balance"]["shift_points"] is None
    weeks = campaigns.month_calendar(store.list_campaigns(), 2026, 11)
    days = {d["day"]: d for w in weeks for d in w}
    assert days[date(2026, 11, 5)]["campaigns"][0]["slug"] == slug
    assert days[date(2026, 11, 9)]["campaigns"] == []


def test_bad_plans_are_refused(store):
    with pytest.raises(VimonError):
        campaigns.create(store, "t", {"name": "x", "starts_on": "2026-11-09", "ends_on": "2026-11-01"})
    with pytest.raises(VimonError):
        campaigns.create(store, "t", {"name": "", "starts_on": "2026-11-01", "ends_on": "2026-11-02"})
