"""CLI commands of the people-in-the-loop part: ``vimon users …``, ``vimon audit …``,
``vimon reports purge``, ``vimon review scan`` (registered by vimon.cli)."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vimon.errors import VimonError
from vimon.settings import get_settings

users_app = typer.Typer(help="Tài khoản / accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Nhật ký kiểm toán / audit log.", no_args_is_help=True)
reports_app = typer.Typer(help="Phản ánh của người dân / citizen reports.", no_args_is_help=True)
review_app = typer.Typer(help="Hàng đợi rà soát / review queue.", no_args_is_help=True)
out = Console()


def _store():  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    return open_store()


def _password(given: str | None, stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    if given:
        return given
    first = getpass.getpass("Mật khẩu / password: ")
    if first != getpass.getpass("Nhập lại / again: "):
        raise VimonError("VM-AUTH-016", "Hai lần nhập không khớp / passwords differ")
    return first


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập")],
    role: Annotated[str, typer.Option(help="admin | supervisor | analyst | liaison | viewer")],
    unit: Annotated[str | None, typer.Option(help="Mã đơn vị (bắt buộc với liaison)")] = None,
    name: Annotated[str | None, typer.Option(help="Họ tên")] = None,
    password: Annotated[str | None, typer.Option(help="Mật khẩu (không nên: lộ trong lịch sử shell)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Đọc mật khẩu từ stdin")] = False,
) -> None:
    """Thêm tài khoản / add a user."""
    from vimon.auth import service

    uid = service.create_user(_store(), username, role, unit=unit, display_name=name,
                              password=_password(password, password_stdin), actor="cli")
    out.print(f"Đã tạo / created user #{uid} [bold]{username}[/] ({role})")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Liệt kê tài khoản / list users."""
    rows = _store().list_users()
    if as_json:
        for r in rows:
            print(json.dumps({k: r[k] for k in ("id", "username", "role", "unit", "active")},
                             ensure_ascii=False))
        return
    t = Table("id", "username", "role", "unit", "active")
    for r in rows:
        t.add_row(str(r["id"]), r["username"], r["role"], r["unit"] or "", str(r["active"]))
    out.print(t)


def _user(store, username: str):  # type: ignore[no-untyped-def]
    u = store.get_user(username=username)
    if u is None:
        raise VimonError("VM-AUTH-404", f"Không có tài khoản / no user {username!r}")
    return u


@users_app.command("passwd")
def users_passwd(
    username: str,
    password: Annotated[str | None, typer.Option()] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Đặt mật khẩu (và mở khóa) / set a password (and unlock)."""
    from vimon.auth import service

    store = _store()
    service.set_password(store, _user(store, username)["id"], _password(password, password_stdin), "cli")
    out.print("Đã đổi mật khẩu / password set")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Vô hiệu hóa tài khoản (đăng xuất mọi phiên) / disable a user."""
    store = _store()
    store.update_user(_user(store, username)["id"], "cli", "user.disable", active=False)
    out.print("Đã vô hiệu hóa / disabled")


@users_app.command("token")
def users_token(username: str, name: Annotated[str, typer.Option()] = "cli") -> None:
    """Cấp mã API (in một lần; chỉ lưu bản băm) / issue an API token (printed once)."""
    from vimon.auth import service

    store = _store()
    print(service.issue_api_token(store, _user(store, username)["id"], name, "cli"))


@audit_app.command("verify")
def audit_verify(
    expect: Annotated[str | None, typer.Option(help="Mã băm đầu chuỗi đã công bố trước đó")] = None,
) -> None:
    """Kiểm tra chuỗi băm của nhật ký; mã thoát 1 nếu có sai lệch / verify the hash chain."""
    from vimon.workflow.audit import verify_store

    res = verify_store(_store(), expect)
    if res.ok:
        out.print(f"OK: {res.events} sự kiện / events, đầu chuỗi / head {res.head}")
        return
    out.print(f"[bold red]SAI LỆCH / TAMPERED[/]: {len(res.problems)} vấn đề / problems")
    for p in res.problems:
        out.print(f"  - {p}", markup=False)
    raise typer.Exit(1)


@audit_app.command("head")
def audit_head() -> None:
    """In mã băm đầu chuỗi để lưu ở nơi khác / print the head hash to record elsewhere."""
    head = _store().get_audit_head()
    print(f"{head['last_id']} {head['last_hash']}" if head else "0 " + "0" * 64)


@reports_app.command("purge")
def reports_purge(
    days: Annotated[int | None, typer.Option(help="Mặc định VIMON_REPORT_CONTACT_RETENTION_DAYS")] = None,
) -> None:
    """Xóa thông tin liên hệ quá hạn lưu giữ / delete contact data past retention."""
    from vimon.store.base import utcnow

    keep = days if days is not None else get_settings().report_contact_retention_days
    n = _store().purge_contacts(utcnow() - timedelta(days=keep), "cli")
    out.print(f"Đã xóa liên hệ của / purged contact data of {n} phản ánh / reports")


@review_app.command("scan")
def review_scan() -> None:
    """Gắn cờ tin mới (nhãn mô hình, trùng nhận định đã bác bỏ) / flag new items."""
    from vimon.workflow.review import sync_flags

    out.print(f"Cờ mới / new flags: {sync_flags(_store(), get_settings())}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(reports_app, name="reports")
    app.add_typer(review_app, name="review")
