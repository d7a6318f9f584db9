"""Administration: accounts (roles, units, lock/unlock, passwords, API tokens) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from vimon.auth import roles, service
from vimon.errors import NotFound
from vimon.web.deps import PageNo, StoreDep, require
from vimon.web.render import render
from vimon.workflow.audit import verify_store

router = APIRouter(tags=["staff"])
Admin = Annotated[dict[str, Any], require("users.manage")]
Auditor = Annotated[dict[str, Any], require("audit.read")]


def _users_ctx(store: Any, new_token: str | None = None, created: str | None = None) -> dict[str, Any]:
    return {"title": "Tài khoản", "users": store.list_users(), "tokens": store.list_api_tokens(),
            "roles": {k: v["label"] for k, v in roles.roles().items()}, "units": roles.units(),
            "new_token": new_token, "created": created}


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, store: StoreDep, user: Admin):
    return render(request, "admin_users.html", _users_ctx(store), as_json=False)


@router.get("/admin/users.json", summary="Danh sách tài khoản")
def users_json(request: Request, store: StoreDep, user: Admin):
    ctx = _users_ctx(store)
    return render(request, "admin_users.html", ctx, as_json=True)


@router.post("/admin/users", include_in_schema=False)
def users_create(request: Request, store: StoreDep, user: Admin,
                 username: Annotated[str, Form(max_length=64)],
                 role: Annotated[str, Form(max_length=40)],
                 password: Annotated[str, Form(max_length=200)],
                 unit: Annotated[str, Form(max_length=200)] = "",
                 display_name: Annotated[str, Form(max_length=300)] = ""):
    service.create_user(store, username, role, unit=unit or None, password=password,
                        display_name=display_name or None, actor=user["username"])
    return render(request, "admin_users.html", _users_ctx(store, created=username), as_json=False)


@router.post("/admin/users/{user_id}", include_in_schema=False)
def users_update(store: StoreDep, user: Admin, user_id: int,
                 op: Annotated[str, Form(max_length=20)],
                 role: Annotated[str, Form(max_length=40)] = "",
                 unit: Annotated[str, Form(max_length=200)] = "",
                 password: Annotated[str, Form(max_length=200)] = ""):
    target = store.get_user(user_id=user_id)
    if target is None:
        raise NotFound("VM-AUTH-404", "Không có tài khoản / no such user")
    actor = user["username"]
    if op == "role" and role in roles.roles():
        store.update_user(user_id, actor, "user.role", role=role, unit=unit or None)
    elif op == "disable":
        store.update_user(user_id, actor, "user.disable", active=False)
    elif op == "enable":
        store.update_user(user_id, actor, "user.enable", active=True)
    elif op == "unlock":
        store.update_user(user_id, actor, "user.unlock", failed_logins=0, locked_until=None)
    elif op == "password":
        service.set_password(store, user_id, password, actor)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/tokens", include_in_schema=False)
def tokens_create(request: Request, store: StoreDep, user: Admin, user_id: int,
                  name: Annotated[str, Form(max_length=200)] = "api"):
    if store.get_user(user_id=user_id) is None:
        raise NotFound("VM-AUTH-404", "Không có tài khoản / no such user")
    token = service.issue_api_token(store, user_id, name, user["username"])
    return render(request, "admin_users.html", _users_ctx(store, new_token=token), as_json=False)


@router.post("/admin/tokens/{token_id}/revoke", include_in_schema=False)
def tokens_revoke(store: StoreDep, user: Admin, token_id: int):
    store.revoke_api_token(token_id, user["username"])
    return RedirectResponse("/admin/users", status_code=303)


def _audit_ctx(store: Any, page: int, verify: bool) -> dict[str, Any]:
    page = max(1, min(page, 100_000))
    res = verify_store(store) if verify else None
    return {"title": "Nhật ký kiểm toán", "events": store.list_audit(limit=100, offset=(page - 1) * 100),
            "page": page, "verify": None if res is None else
            {"ok": res.ok, "events": res.events, "head": res.head, "problems": res.problems}}


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, store: StoreDep, user: Auditor, page: PageNo = 1, verify: bool = False):
    return render(request, "audit.html", _audit_ctx(store, page, verify), as_json=False)


@router.get("/audit.json", summary="Nhật ký kiểm toán")
def audit_json(request: Request, store: StoreDep, user: Auditor, page: PageNo = 1, verify: bool = False):
    return render(request, "audit.html", _audit_ctx(store, page, verify), as_json=True)
