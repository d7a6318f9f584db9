"""Plans (vimon.plans): importing tasks (idempotent, bad rows named by line), progress
reports as of a day (the latest by the day it speaks for), overdue tasks, the audit trail,
and the plans section of the period reports — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

CSV = """plan,code,title,unit,indicator,target,due_on
QĐ 3550/QĐ-UBND,3.2b,Phối hợp với các trang lớn,Sở TT&TT,Số trang đối tác,10,2025-12-31
QĐ 3550/QĐ-UBND,3.5,Công bố tin giả,Sở TT&TT,,,2026-12-31
KH 123/KH-UBND,II.3,Ngăn chặn thông tin xấu độc,Sở TT&TT,,,2022-12-31
KH 123/KH-UBND,II.3,Trùng,Sở TT&TT,,,
KH 123/KH-UBND,,Thiếu mã,Sở TT&TT,,,
KH 123/KH-UBND,II.9,Hạn sai,Sở TT&TT,,,31/12/2022
"""


def test_import_is_idempotent_and_names_bad_rows(store):  # type: ignore[no-untyped-def]
    from vimon.plans import import_tasks

    res = import_tasks(store, CSV, "can-bo")
    assert (res["added"], res["updated"], res["unchanged"]) == (3, 0, 0)
    assert [p.split(":")[0] for p in res["problems"]] == ["dòng 5", "dòng 6", "dòng 7"]
    again = import_tasks(store, CSV.replace("Công bố tin giả", "Công bố và phản bác tin giả"),
                         "can-bo")
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 1, 2)
    actions = [e["action"] for e in store.list_audit(limit=50)]
    assert actions.count("plan.task.add") == 3 and actions.count("plan.task.update") == 1


def test_missing_columns_is_a_clear_error():  # type: ignore[no-untyped-def]
    from vimon.errors import InputError
    from vimon.plans import read_tasks

    with pytest.raises(InputError) as exc:
        read_tasks("ke_hoach,ma\nA,1\n")
    assert exc.value.code == "VM-PL01" and "title" in exc.value.message


def test_progress_as_of_a_day_and_overdue(store):  # type: ignore[no-untyped-def]
    from vimon.errors import InputError
    from vimon.plans import evaluation, import_tasks, record_progress

    import_tasks(store, CSV, "can-bo")
    plan = "QĐ 3550/QĐ-UBND"
    record_progress(store, plan, "3.2b", "in_progress", "can-bo", as_of=date(2025, 3, 31), value=6)
    record_progress(store, plan, "3.2b", "done", "can-bo", as_of=date(2025, 9, 30), value=12)
    # Entered last, for an earlier day: it does not hide the newer report.
    record_progress(store, plan, "3.2b", "in_progress", "can-bo", as_of=date(2025, 6, 30), value=9)
    with pytest.raises(InputError):
        record_progress(store, plan, "3.2b", "xong", "can-bo", as_of=date(2025, 6, 30))
    with pytest.raises(InputError):
        record_progress(store, plan, "9.9", "done", "can-bo", as_of=date(2025, 6, 30))

    def line(day: date, code: str) -> dict:  # type: ignore[type-arg]
        return next(t for p in evaluation(store, day) for t in p["lines"] if t["code"] == code)

    assert line(date(2025, 1, 1), "3.2b")["status"] == "not_started"
    assert (line(date(2025, 7, 1), "3.2b")["status"], line(date(2025, 7, 1), "3.2b")["value"]) == \
        ("in_progress", 9)
    assert line(date(2025, 12, 31), "3.2b")["status"] == "done"
    by_plan = {p["plan"]: p for p in evaluation(store, date(2026, 1, 15))}
    assert by_plan[plan]["done"] == 1 and by_plan[plan]["overdue"] == 0  # done before its due
    assert by_plan["KH 123/KH-UBND"]["overdue"] == 1  # II.3 was due at the end of 2022


def test_year_report_has_the_plans(store):  # type: ignore[no-untyped-def]
    from vimon.plans import import_tasks, record_progress
    from vimon.reports.builders import sections
    from vimon.reports.period import build

    import_tasks(store, CSV, "can-bo")
    record_progress(store, "QĐ 3550/QĐ-UBND", "3.2b", "done", "can-bo", as_of=date(2025, 9, 30),
                    value=12)
    year = sections(build(store, "year", date(2025, 6, 1)))[-1]
    assert year.heading == "7. Thực hiện kế hoạch"
    summary, lines = year.tables
    assert ["QĐ 3550/QĐ-UBND", 2, 1, 0, 1, 0] in summary.rows
    assert ["QĐ 3550/QĐ-UBND", "3.2b", "Phối hợp với các trang lớn", "Sở TT&TT", "Hoàn thành",
            "12 / 10"] in lines.rows
    day = sections(build(store, "day", date(2025, 6, 1)))[-1]
    assert len(day.tables) == 1  # the short reports keep the summary only
