"""CLI commands of the collectors (registered in ``vimon.cli``): ``collect``, ``evidence``."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vimon.settings import get_settings

out = Console()
err = Console(stderr=True)
evidence_app = typer.Typer(help="Bằng chứng số / evidence snapshots.", no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    return open_store()


def _summary(runs: list[Any]) -> Table:
    table = Table("nguồn / source", "kết quả / result", "mới / new", "trùng / dup",
                  "trang / pages", "lỗi / failures", "giây / s")
    for r in runs:
        result = (f"bỏ qua / skipped ({r.skipped})" if r.skipped else
                  "[green]ok[/]" if r.ok else f"[red]{r.error_code}[/]")
        fails = ", ".join(f"{k}×{v}" for k, v in sorted(r.failures.items())) or "—"
        table.add_row(r.key, result, str(r.new), str(r.duplicate), str(r.pages), fails,
                      f"{r.seconds:.1f}")
    return table


def collect(
    once: Annotated[bool, typer.Option("--once", help="Thu thập một lượt rồi dừng (mặc định)")] = False,
    loop: Annotated[bool, typer.Option("--loop", help="Chạy liên tục theo chu kỳ từng nguồn")] = False,
    source: Annotated[list[str] | None, typer.Option("--source", help="Chỉ nguồn này (lặp lại được)")] = None,
    idle: Annotated[float, typer.Option(help="Giây nghỉ giữa hai vòng kiểm tra (--loop)")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả từng nguồn dạng JSON")] = False,
) -> None:
    """Chạy bộ thu thập / run the collectors (``--once`` or ``--loop``)."""
    from vimon.collect.scheduler import collect_loop, collect_once

    settings = get_settings()
    store = _store()
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, transient=True,
                        disable=not err.is_terminal)
    tasks: dict[str, Any] = {}

    def on_progress(key: str, data: dict[str, Any]) -> None:
        ev = data.get("event")
        if key not in tasks:
            tasks[key] = progress.add_task(key, total=None)
        if ev == "pages":
            if "total" in data:
                progress.update(tasks[key], total=data["total"] or None, completed=0)
            if "done" in data:
                progress.update(tasks[key], completed=data["done"])
        elif ev == "end":
            progress.update(tasks[key], description=f"{key} ✓" if data.get("ok") else f"{key} ✗")

    def report(runs: list[Any]) -> None:
        if as_json:
            for r in runs:
                print(json.dumps({"source": r.key, "ok": r.ok, "skipped": r.skipped, "new": r.new,
                                  "duplicate": r.duplicate, "rejected": r.rejected,
                                  "pages": r.pages, "error": r.error_code,
                                  "failures": r.failures}, ensure_ascii=False), flush=True)
        elif runs:
            progress.console.print(_summary(runs))

    keys = source or None
    if not loop:
        with progress:
            runs = collect_once(store, settings, keys, on_progress=on_progress)
        report(runs)
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    err.print("Thu thập liên tục; Ctrl+C để dừng / collecting until Ctrl+C")
    with progress:
        collect_loop(store, settings, keys, stop=stop, on_progress=on_progress, on_cycle=report,
                     idle=idle)
    del once  # --once is the default; the flag exists for explicit scripts


@evidence_app.command("export")
def evidence_export(
    item_id: Annotated[int, typer.Argument(help="Mã tin / item id")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Tệp ZIP")] = None,
) -> None:
    """Xuất gói bằng chứng (ZIP) của một tin / export an item's evidence bundle."""
    from vimon.collect.evidence import export_item

    path, manifest = export_item(_store(), item_id, output)
    out.print(f"Đã ghi / written: [bold]{path}[/] ({len(manifest['files'])} tệp / files)")
    out.print(f"SHA-256 manifest: {manifest['manifest_sha256']}")


@evidence_app.command("verify")
def evidence_verify(
    file: Annotated[Path, typer.Argument(help="Tệp ZIP bằng chứng")],
    with_db: Annotated[bool, typer.Option("--db", help="Đối chiếu thêm với CSDL")] = False,
) -> None:
    """Kiểm tra gói bằng chứng (mã băm) / verify an evidence bundle."""
    from vimon.collect.evidence import verify_zip

    rep = verify_zip(file, _store() if with_db else None)
    if rep.ok:
        out.print(f"[green]HỢP LỆ / VALID[/]: {rep.checked} tệp khớp SHA-256; "
                  f"manifest {rep.manifest_sha256}")
        return
    out.print(f"[red]KHÔNG HỢP LỆ / INVALID[/] ({len(rep.problems)})")
    for p in rep.problems:
        out.print(f"  - {p}", markup=False)
    raise typer.Exit(1)
