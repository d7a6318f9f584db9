"""Sign in and out. Also registers the template helpers the people pages share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from vimon.auth import roles, service
from vimon.auth.middleware import SESSION_COOKIE
from vimon.auth.ratelimit import RateLimiter
from vimon.web import render as rd
from vimon.web.deps import CurrentUser, SettingsDep, StoreDep
from vimon.workflow import statuses
from vimon.workflow.cases import sla_clock

router = APIRouter(include_in_schema=False)

rd.templates.env.globals.update(
    can=roles.can, unit_label=roles.unit_label, status_label=statuses.label,
    role_label=lambda r: roles.roles().get(r, {}).get("label", r), sla_clock=sla_clock,
)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "0.0.0.0"


def login_limiter(request: Request, settings: Any) -> RateLimiter:
    lim = getattr(request.app.state, "login_limiter", None)
    if lim is None or lim.limit != settings.login_rate_per_minute:
        lim = request.app.state.login_limiter = RateLimiter(settings.login_rate_per_minute, 60)
    return lim


def _safe_next(target: str | None) -> str:
    """Only local paths: '/cases/3' yes, '//evil.example' or 'https://…' no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return rd.render(request, "login.html", {"title": "Đăng nhập", "next": _safe_next(next),
                                              "error": None}, as_json=False)


@router.post("/login")
def login(request: Request, store: StoreDep, settings: SettingsDep,
          username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1000)] = "",
          next: Annotated[str, Form(max_length=2000)] = "/"):
    ip = client_ip(request)
    if not login_limiter(request, settings).hit(ip):
        store.audit_event(username[:120] or "?", "login.rate_limited", "ip", ip, {})
        raise HTTPException(429, "Thử đăng nhập quá nhiều lần, vui lòng đợi một phút / too many "
                            "attempts, wait a minute")
    try:
        user = service.authenticate(store, settings, username, password, ip)
    except service.AuthError as exc:
        ctx = {"title": "Đăng nhập", "next": _safe_next(next), "error": exc.message}
        resp = rd.render(request, "login.html", ctx, as_json=False)
        resp.status_code = 401
        return resp
    token = service.start_session(store, settings, user, ip)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, max_age=settings.session_hours * 3600, httponly=True,
                    samesite="lax", secure=settings.cookie_secure or settings.environment == "production")
    return resp


@router.post("/logout")
def logout(request: Request, store: StoreDep, user: CurrentUser):
    token = getattr(request.state, "session_token", None)
    if token:
        store.end_session(service.digest(token), user["username"])
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp
