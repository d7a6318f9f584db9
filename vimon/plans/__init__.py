"""Plans the city and its districts carry out, their tasks, the unit in charge of each, and
dated progress reports, for the period reports and the annual evaluation.

``tasks.csv`` next to this file is the default list: short summaries, written by this team,
of the tasks of QĐ 3550/QĐ-UBND (positive information online), KH 123/KH-UBND (managing
information on e-newspapers, news sites and social networks) and the plans for a culture of
conduct in cyberspace of Hanoi and of Ba Đình district; each deployment edits its own.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from vimon.errors import InputError

DEFAULT_TASKS = Path(__file__).with_name("tasks.csv")
STATUSES = {"not_started": "Chưa triển khai", "in_progress": "Đang thực hiện",
            "done": "Hoàn thành"}
COLUMNS = ("plan", "code", "title", "unit", "indicator", "target", "due_on")
REQUIRED = ("plan", "code", "title", "unit")


def read_tasks(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Tasks from CSV text (``COLUMNS``), and the problems of the rows left out (with their
    line numbers); an unusable header is an InputError."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError("VM-PL01", f"thiếu cột / missing columns: {', '.join(missing)}",
                         "Các cột / columns: " + ", ".join(COLUMNS))
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for line, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        empty = [k for k in REQUIRED if not row[k]]
        if empty:
            problems.append(f"dòng {line}: thiếu {', '.join(empty)} / line {line}: missing")
            continue
        try:
            target = float(row["target"].replace(",", ".")) if row["target"] else None
            due = date.fromisoformat(row["due_on"]) if row["due_on"] else None
        except ValueError as exc:
            problems.append(f"dòng {line}: chỉ tiêu hoặc hạn không hợp lệ / line {line}: {exc}")
            continue
        key = (row["plan"], row["code"])
        if key in seen:
            problems.append(f"dòng {line}: trùng nhiệm vụ {key[0]} {key[1]} / duplicate task")
            continue
        seen.add(key)
        rows.append({**row, "indicator": row["indicator"] or None, "target": target,
                     "due_on": due})
    return rows, problems


def import_tasks(store: Any, text: str, actor: str) -> dict[str, Any]:
    rows, problems = read_tasks(text)
    counts = store.upsert_plan_tasks(rows, actor) if rows else {"added": 0, "updated": 0,
                                                                "unchanged": 0}
    return {**counts, "problems": problems}


def record_progress(store: Any, plan: str, code: str, status: str, actor: str, *,
                    as_of: date, value: float | None = None, note: str | None = None) -> int:
    if status not in STATUSES:
        raise InputError("VM-PL02", f"trạng thái không hợp lệ / unknown status {status!r}",
                         ", ".join(STATUSES))
    task = store.find_plan_task(plan, code)
    if task is None:
        raise InputError("VM-PL03", f"không có nhiệm vụ / no task {plan} {code}",
                         "vimon plans list")
    return int(store.add_plan_progress(task["id"], {"as_of": as_of, "status": status,
                                                   "value": value, "note": note}, actor))


def evaluation(store: Any, as_of: date) -> list[dict[str, Any]]:
    """Per plan, as of a day: tasks by their latest status, those past due and not done,
    and each task's line (for the annual evaluation)."""
    plans: dict[str, dict[str, Any]] = {}
    for t in store.plan_tasks_as_of(as_of):
        status = t["status"] or "not_started"
        overdue = t["due_on"] is not None and t["due_on"] < as_of and status != "done"
        p = plans.setdefault(t["plan"], {"plan": t["plan"], "tasks": 0, "overdue": 0,
                                         **{s: 0 for s in STATUSES}, "lines": []})
        p["tasks"] += 1
        p[status] += 1
        p["overdue"] += overdue
        p["lines"].append({"code": t["code"], "title": t["title"], "unit": t["unit"],
                           "status": status, "status_label": STATUSES[status],
                           "value": t["value"], "target": t["target"], "overdue": overdue,
                           "reported": t["progress_as_of"], "note": t["note"]})
    return list(plans.values())
