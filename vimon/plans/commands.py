"""``vimon plans``: import the tasks, list them with their progress, record progress."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vimon.errors import InputError

plans_app = typer.Typer(help="Kế hoạch và tiến độ thực hiện / plans and their progress.",
                        no_args_is_help=True)
out = Console()


def _store():  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    return open_store()


def _day(value: str | None) -> date:
    from vimon.analysis.facets import local_day

    return local_day(value, "VM-PL04")


@plans_app.command("import")
def import_(file: Annotated[Path | None, typer.Argument(
        help="CSV: plan, code, title, unit, indicator, target, due_on (mặc định: danh sách "
             "kèm theo / default: the shipped list)")] = None) -> None:
    """Nhập hoặc cập nhật nhiệm vụ / add or update tasks."""
    from vimon.plans import DEFAULT_TASKS, import_tasks

    path = file or DEFAULT_TASKS
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("VM-PL05", f"không đọc được / cannot read {path}: {exc}") from None
    res = import_tasks(_store(), text, "cli")
    out.print(f"Thêm / added {res['added']}, cập nhật / updated {res['updated']}, "
              f"giữ nguyên / unchanged {res['unchanged']}, bỏ qua / skipped {len(res['problems'])}")
    for p in res["problems"]:
        out.print(f"  - {p}", markup=False)


@plans_app.command("list")
def list_(as_of: Annotated[str | None, typer.Option("--as-of", help="Tính đến ngày (YYYY-MM-DD)")] = None,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Nhiệm vụ và tiến độ mới nhất / tasks and their latest progress."""
    from vimon.plans import evaluation

    plans = evaluation(_store(), _day(as_of))
    if as_json:
        print(json.dumps(plans, ensure_ascii=False, default=str))
        return
    for p in plans:
        table = Table("mã / code", "nhiệm vụ / task", "đơn vị / unit", "tiến độ / status",
                      title=f"{p['plan']}: {p['done']}/{p['tasks']} hoàn thành, {p['overdue']} quá hạn")
        for t in p["lines"]:
            status = t["status_label"] + (" (quá hạn)" if t["overdue"] else "")
            table.add_row(t["code"], t["title"], t["unit"], status)
        out.print(table)


@plans_app.command("progress")
def progress(plan: Annotated[str, typer.Argument(help="Kế hoạch, ví dụ 'QĐ 3550/QĐ-UBND'")],
             code: Annotated[str, typer.Argument(help="Mã nhiệm vụ, ví dụ 3.2b")],
             status: Annotated[str, typer.Option(help="not_started | in_progress | done")],
             value: Annotated[float | None, typer.Option(help="Giá trị chỉ tiêu")] = None,
             note: Annotated[str | None, typer.Option(help="Ghi chú")] = None,
             as_of: Annotated[str | None, typer.Option("--as-of", help="Ngày báo cáo")] = None,
             ) -> None:
    """Ghi tiến độ một nhiệm vụ (có nhật ký kiểm toán) / record a task's progress."""
    from vimon.plans import record_progress

    record_progress(_store(), plan, code, status, "cli", as_of=_day(as_of), value=value, note=note)
    out.print(f"Đã ghi / recorded: {plan} {code} → {status}")
