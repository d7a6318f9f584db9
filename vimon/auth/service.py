"""Account services: users, login with lockout, sessions and API tokens (hashed at rest)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from vimon.auth import passwords, roles
from vimon.errors import VimonError
from vimon.store.base import utcnow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "vmn_"


class AuthError(VimonError):
    """A login or token that is refused; the message is safe to show."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(store: Any, username: str, role: str, *, unit: str | None = None,
                password: str | None = None, display_name: str | None = None,
                actor: str = "system") -> int:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise VimonError("VM-AUTH-013", "Tên đăng nhập chỉ gồm chữ thường, số, . _ - (2–64 ký tự) / "
                         "username: lowercase letters, digits, . _ - (2–64)")
    if role not in roles.roles():
        raise VimonError("VM-AUTH-014", f"Vai trò không hợp lệ / unknown role {role!r}",
                         "Vai trò: " + ", ".join(roles.roles()))
    if roles.roles()[role].get("scoped") and not unit:
        raise VimonError("VM-AUTH-015", "Đầu mối đơn vị cần có đơn vị / a liaison needs a unit")
    pw_hash = passwords.hash_password(password) if password else None
    return store.create_user(username, role, unit or None, display_name, pw_hash, actor)


def set_password(store: Any, user_id: int, password: str, actor: str) -> None:
    store.update_user(user_id, actor, "user.password", password_hash=passwords.hash_password(password),
                      failed_logins=0, locked_until=None)


def authenticate(store: Any, settings: Any, username: str, password: str, ip: str
                 ) -> dict[str, Any]:
    """The user for a correct name and password; AuthError otherwise. The same message for an
    unknown name and a wrong password, so names cannot be probed."""
    name = (username or "").strip().lower()[:120]
    user = store.get_user(username=name, with_hash=True) if name else None
    now = utcnow()
    if user and user["locked_until"] and user["locked_until"] > now:
        passwords.verify_password(None, password)  # same cost as a real check
        store.audit_event(name, "login.refused_locked", "user", user["id"], {"ip": ip})
        raise AuthError("VM-AUTH-002", "Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau "
                        f"{settings.login_lockout_minutes} phút / account locked, try later")
    ok = passwords.verify_password(user["password_hash"] if user else None, password)
    if not ok or not user or not user["active"]:
        locked = store.login_failed(user["id"] if user else None, name, ip,
                                    settings.login_max_failures,
                                    now + timedelta(minutes=settings.login_lockout_minutes))
        if locked:
            raise AuthError("VM-AUTH-002", "Tài khoản tạm khóa do đăng nhập sai nhiều lần / "
                            "account locked after repeated failures")
        raise AuthError("VM-AUTH-001", "Sai tên đăng nhập hoặc mật khẩu / wrong username or password")
    if passwords.needs_rehash(user["password_hash"]):
        store.update_user(user["id"], name, "user.rehash",
                          password_hash=passwords._HASHER.hash(password))
    user.pop("password_hash", None)
    return user


def start_session(store: Any, settings: Any, user: dict[str, Any], ip: str) -> str:
    token = secrets.token_urlsafe(32)
    store.login_succeeded(user["id"], user["username"], ip, digest(token),
                          utcnow() + timedelta(hours=settings.session_hours))
    return token


def session_user(store: Any, token: str | None) -> dict[str, Any] | None:
    if not token or len(token) > 200:
        return None
    return store.session_user(digest(token), utcnow())


def issue_api_token(store: Any, user_id: int, name: str, actor: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.add_api_token(user_id, name[:200] or "api", digest(token), token[:10], actor)
    return token


def token_user(store: Any, token: str | None) -> dict[str, Any] | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return store.token_user(digest(token))


def ensure_demo_admin(store: Any, settings: Any) -> tuple[str, str] | None:
    """In ``local`` only: create ``admin`` with a random password (printed once by the caller)."""
    if settings.environment != "local" or store.get_user(username="admin"):
        return None
    password = passwords.generate_password()
    create_user(store, "admin", "admin", password=password, display_name="Quản trị (demo)",
                actor="demo")
    return "admin", password


def is_locked(user: dict[str, Any], now: datetime | None = None) -> bool:
    return bool(user.get("locked_until") and user["locked_until"] > (now or utcnow()))
