"""Period reports (vimon.reports): the Hanoi calendar periods, the figures against the items
and the work actually stored (SQLite and PostgreSQL), and the DOCX / XLSX / page that show
them."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest

from tests.helpers import OTHER, STORY, STORY_REWRITE, run_rows


@pytest.mark.parametrize(("kind", "day", "first", "last", "label"), [
    ("day", date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 23), "Ngày 23/11/2026"),
    ("week", date(2026, 11, 25), date(2026, 11, 23), date(2026, 11, 29),
     "Tuần 48/2026 (23/11–29/11/2026)"),
    ("month", date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29), "Tháng 02/2024"),
    ("quarter", date(2026, 11, 23), date(2026, 10, 1), date(2026, 12, 31), "Quý IV/2026"),
    ("year", date(2026, 11, 23), date(2026, 1, 1), date(2026, 12, 31), "Năm 2026"),
])
def test_periods_follow_the_hanoi_calendar(kind, day, first, last, label):  # type: ignore[no-untyped-def]
    from vimon.reports.period import Period

    p = Period.of(kind, day)
    assert (p.first, p.last, p.label) == (first, last, label)
    # Bounds in naive UTC: a Hanoi day starts at 17:00 UTC the day before.
    assert p.since == datetime(first.year, first.month, first.day) - timedelta(hours=7)
    assert p.until - p.since == timedelta(days=(last - first).days + 1)
    assert p.previous().last == first - timedelta(days=1)


def test_unknown_period_is_a_clear_error():  # type: ignore[no-untyped-def]
    from vimon.errors import InputError
    from vimon.reports.period import Period

    with pytest.raises(InputError) as exc:
        Period.of("fortnight", date(2026, 11, 23))
    assert exc.value.code == "VM-RP01" and "quarter" in str(exc.value)


ROWS = [
    # Hanoi 2026-11-20 (UTC 2026-11-19T17:00 … 2026-11-20T17:00)
    {"id": "a1", "source": "tin-thu-do", "kind": "article", "title": "Công viên mới ở Ba Đình",
     "text": STORY, "published_at": "2026-11-20T08:00:00"},
    {"id": "a2", "source": "bao-song-moi", "kind": "article", "title": "Ba Đình khánh thành",
     "text": STORY_REWRITE, "published_at": "2026-11-20T23:30:00+07:00"},
    {"id": "p1", "source": "cu-dan-dong-da", "kind": "post", "text": OTHER,
     "published_at": "2026-11-20T00:10:00+07:00"},
    # the day before, in Hanoi (UTC 2026-11-19T16:59)
    {"id": "p2", "source": "cu-dan-dong-da", "kind": "post", "text": OTHER + " Lần hai.",
     "published_at": "2026-11-19T23:59:00+07:00"},
]


def test_report_figures_match_the_stored_items_and_work(store, settings):  # type: ignore[no-untyped-def]
    from vimon.reports.period import build

    assert run_rows(store, settings, ROWS).new == 4
    day = build(store, "day", date(2026, 11, 20))
    assert day["totals"]["n"] == 3 and day["previous_totals"]["n"] == 1
    assert day["change"]["n"] == 2.0
    t = day["totals"]
    assert t["pos"] + t["neg"] + t["neu"] == 3
    assert {r["key"]: r["n"] for r in day["by_kind"]} == {"article": 2, "post": 1}
    assert {r["key"]: r["n"] for r in day["by_source"]} == {"tin-thu-do": 1, "bao-song-moi": 1,
                                                            "cu-dan-dong-da": 1}
    # The two articles tell one story in two sources.
    assert [(s["items"], s["sources"]) for s in day["stories"]] == [(2, 2)]
    week = build(store, "week", date(2026, 11, 20))
    assert week["totals"]["n"] == 4 and week["previous_totals"]["n"] == 0
    assert week["change"]["n"] is None  # nothing to compare with
    assert build(store, "day", date(2026, 11, 21))["totals"]["n"] == 0

    # Work counts: a case opened now falls in today's report, not in the period before.
    from vimon.analysis.facets import LOCAL
    from vimon.store.base import utcnow

    store.create_case(title="Tin sai về công viên", actor="can-bo", status="new")
    store.create_case(title="Đã xử lý", actor="can-bo", status="resolved")
    store.add_debunk({"slug": "cong-vien-khong-dong-cua", "claim": "Công viên đóng cửa",
                      "claim_folded": "cong vien dong cua", "verdict": "tin_sai_su_that",
                      "correction": "Công viên vẫn mở cửa."}, "can-bo")
    today = (utcnow() + LOCAL).date()
    work = build(store, "day", today)["work"]
    assert (work["cases_opened"], work["cases_open_now"], work["cases_closed"]) == \
        (2, 1, {"resolved": 1})
    assert work["debunks_published"] == 1 and work["reports_received"] == {}
    assert build(store, "day", today - timedelta(days=1))["work"]["cases_opened"] == 0


def test_docx_and_xlsx_say_what_the_context_says(store, settings):  # type: ignore[no-untyped-def]
    from docx import Document
    from openpyxl import load_workbook

    from vimon.reports.builders import NOTE, to_docx, to_xlsx
    from vimon.reports.period import build

    run_rows(store, settings, ROWS)
    ctx = build(store, "week", date(2026, 11, 20))
    doc = Document(io.BytesIO(to_docx(ctx)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert ctx["title"].upper() in text and NOTE in text
    assert "Tổng số tin thu thập: 4" in text
    first = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert first[1][:3] == ["Số tin", "4", "0"]
    wb = load_workbook(io.BytesIO(to_xlsx(ctx)))
    assert wb.sheetnames == ["Tổng quan", "Chủ đề", "Địa bàn", "Nguồn và loại tin",
                             "Vấn đề nổi bật", "Xử lý", "Kế hoạch"]
    rows = list(wb["Tổng quan"].iter_rows(values_only=True))
    assert ("Số tin", 4, 0, "—") in rows  # numbers stay numbers
    kinds = {r[0]: r[1] for r in wb["Nguồn và loại tin"].iter_rows(values_only=True) if r[1]}
    assert kinds["Bài báo"] == 2 and kinds["Bài đăng"] == 2


def test_cli_writes_each_format(sqlite_store, settings, tmp_path):  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    run_rows(sqlite_store, settings, ROWS)
    for fmt in ("docx", "xlsx", "pdf", "json"):
        out = tmp_path / f"r.{fmt}"
        res = subprocess.run([sys.executable, "-m", "vimon.cli", "briefing", "--period", "month",
                              "--date", "2026-11-05", "--format", fmt, "-o", str(out)],
                             capture_output=True, text=True, timeout=120,
                             env={**__import__("os").environ,
                                  "VIMON_DATABASE_URL": sqlite_store.url})
        assert res.returncode == 0, res.stderr
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "r.json").read_text())["totals"]["n"] == 4
    bad = subprocess.run([sys.executable, "-m", "vimon.cli", "briefing", "--date", "23/11/2026"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "VM-RP03" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr
