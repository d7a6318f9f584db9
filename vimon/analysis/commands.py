"""CLI sub-commands ``vimon watchlists …``, ``vimon alerts …``, ``vimon trends …`` (thin:
parse, call one service, print)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

out = Console()
watchlists_app = typer.Typer(help="Danh sách theo dõi / watchlists and saved searches",
                             no_args_is_help=True)
alerts_app = typer.Typer(help="Cảnh báo / alerts", no_args_is_help=True)
trends_app = typer.Typer(help="Xu hướng và số liệu tổng hợp / trends and rollups",
                         no_args_is_help=True)


def _store():  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    return open_store()


@watchlists_app.command("list")
def wl_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Liệt kê danh sách theo dõi / list watchlists."""
    rows = _store().list_watchlists()
    if as_json:
        for r in rows:
            print(json.dumps({k: r[k] for k in ("slug", "name", "kind", "query", "action",
                                                "priority", "alert", "active", "matches")},
                             ensure_ascii=False))
        return
    t = Table("slug", "tên / name", "hành động / action", "khớp / matches", "truy vấn / query")
    for r in rows:
        t.add_row(r["slug"], r["name"], r["action"], str(r["matches"]), r["query"][:80])
    out.print(t)


@watchlists_app.command("add")
def wl_add(
    name: Annotated[str, typer.Argument(help="Tên / name")],
    query: Annotated[str | None, typer.Option(help="Truy vấn / query")] = None,
    entity: Annotated[list[str] | None, typer.Option(help="Mã thực thể (lặp lại) / entity id")] = None,
    slug: Annotated[str | None, typer.Option(help="Mã / slug")] = None,
    action: Annotated[str, typer.Option(help="tag | priority | review")] = "tag",
    priority: Annotated[int, typer.Option(help="Mức ưu tiên / priority")] = 0,
    exact: Annotated[bool, typer.Option("--exact", help="Phân biệt dấu")] = False,
    alert: Annotated[bool, typer.Option("--alert", help="Gửi cảnh báo khi khớp")] = False,
) -> None:
    """Thêm hoặc sửa danh sách theo dõi / add or update a watchlist (applies to new items;
    `vimon trends rebuild` applies it to stored ones)."""
    from vimon.detect.watchlists import save

    w = save(_store(), name=name, query=query, entities=entity or None, slug_=slug,
             action=action, priority=priority, exact=exact, alert=alert)
    out.print(f"Đã lưu / saved: {w['slug']} — {w['query'][:120]}", markup=False)


@watchlists_app.command("remove")
def wl_remove(slug: str) -> None:
    """Xóa danh sách theo dõi / remove a watchlist."""
    ok = _store().delete_watchlist(slug)
    out.print("Đã xóa / removed" if ok else "Không có / not found")


@watchlists_app.command("entities")
def wl_entities(kind: Annotated[str | None, typer.Option(help="district|unit|agency|role")] = None) -> None:
    """Danh bạ thực thể Hà Nội (quận/huyện cũ, phường/xã 2025, cơ quan, chức danh)."""
    from vimon.detect import gazetteer

    t = Table("id", "tên / name", "bí danh / aliases")
    for e in gazetteer().search(kind):
        t.add_row(e.id, e.name, "; ".join(e.aliases)[:90])
    out.print(t)


@alerts_app.command("run")
def alerts_run() -> None:
    """Một lượt cảnh báo: phát hiện tín hiệu rồi gửi / collect signals and deliver."""
    from vimon.alerts.service import run
    from vimon.settings import get_settings

    print(json.dumps(run(_store(), get_settings())))


@alerts_app.command("list")
def alerts_list(limit: int = 20) -> None:
    """Lịch sử cảnh báo / alert history."""
    rows, total = _store().list_alerts(limit=limit)
    t = Table("id", "loại / kind", "mức / severity", "trạng thái / status", "tiêu đề / title")
    for r in rows:
        t.add_row(str(r["id"]), r["kind"], r["severity"], r["status"], r["title"][:90])
    out.print(t)
    out.print(f"{total} cảnh báo / alerts")


@trends_app.command("rebuild")
def trends_rebuild() -> None:
    """Tính lại nhãn, số liệu tổng hợp và danh sách theo dõi cho mọi tin đã lưu."""
    from vimon.analysis.ingest import rebuild

    n = rebuild(_store())
    out.print(f"Đã tính lại / rebuilt: {n} tin / items")
