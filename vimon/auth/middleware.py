"""One ASGI middleware for who is asking and whether they may: sessions, API tokens, the
central access rules, CSRF on every unsafe request, and security headers.

Pure ASGI (no BaseHTTPMiddleware) to keep the public endpoints fast; database look-ups run
in the thread pool.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from vimon.auth import access, roles, service
from vimon.auth.secrets import secret_key, sign

SESSION_COOKIE = "vimon_session"
ANON_COOKIE = "vimon_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MULTIPART_CSRF = re.compile(rb'name="csrf"\r\n\r\n([A-Za-z0-9_\-]{10,100})\r\n')
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
     b"script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
     b"frame-ancestors 'none'"),
]


def csrf_for_session(key: bytes, session_token: str) -> str:
    return sign(key, "csrf-session", session_token)


def csrf_for_anon(key: bytes, anon: str) -> str:
    return sign(key, "csrf-anon", anon)


def _wants_json(path: str, headers: Headers) -> bool:
    return (path.startswith("/api/") or path.endswith(".json")
            or "application/json" in headers.get("accept", ""))


class AuthMiddleware:
    def __init__(self, app: Any, max_form_bytes: int = 6 * 1024 * 1024) -> None:
        self.app = app
        self.max_form_bytes = max_form_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app_state = scope["app"].state
        store, settings = app_state.store, app_state.settings
        key = secret_key(settings)
        path: str = scope["path"]
        conn = HTTPConnection(scope)
        headers = conn.headers
        state = scope.setdefault("state", {})
        user, via = None, None
        bearer = headers.get("authorization", "")
        if path in access.SELF_AUTH:
            pass
        elif bearer.lower().startswith("bearer ") and not access.is_public(path):
            user = await run_in_threadpool(service.token_user, store, bearer[7:].strip())
            via = "token"
            if user is None:
                await JSONResponse({"error": "Mã truy cập không đúng / invalid API token"},
                                   status_code=401, headers={"WWW-Authenticate": "Bearer"}
                                   )(scope, receive, send)
                return
        session_token = conn.cookies.get(SESSION_COOKIE)
        if user is None and session_token and path not in access.SELF_AUTH \
                and not path.startswith("/static/"):
            user = await run_in_threadpool(service.session_user, store, session_token)
            via = "session" if user else None
        new_anon = None
        if via == "session":
            csrf = csrf_for_session(key, session_token or "")
        else:
            anon = conn.cookies.get(ANON_COOKIE) or ""
            if not re.fullmatch(r"[A-Za-z0-9_\-]{20,64}", anon):
                anon = new_anon = secrets.token_urlsafe(24)
            csrf = csrf_for_anon(key, anon)
        state.update(user=user, csrf=csrf, auth_via=via, session_token=session_token)

        public = access.is_public(path)
        if not public and path not in access.SELF_AUTH:
            if user is None:
                await self._unauthenticated(scope, receive, send, path, headers)
                return
            perm = access.required_permission(path)
            if perm and not roles.can(user, perm):
                await self._deny(scope, receive, send, 403,
                                 "Bạn không có quyền truy cập trang này / forbidden")
                return

        if scope["method"] in UNSAFE and via != "token" and path not in access.SELF_AUTH:
            body, too_big = await _read_body(receive, self.max_form_bytes)
            if too_big:
                await self._deny(scope, receive, send, 413,
                                 "Nội dung gửi lên quá lớn / request body too large")
                return
            if new_anon or not hmac.compare_digest(_csrf_given(headers, body, state), csrf):
                await self._deny(scope, receive, send, 403,
                                 "Phiên biểu mẫu không hợp lệ hoặc đã hết hạn (CSRF); tải lại trang "
                                 "và thử lại / invalid or missing CSRF token")
                return
            receive = _replay(body, receive)

        secure = settings.cookie_secure or settings.environment == "production"

        async def send_wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", []))
                hdrs.extend(SECURITY_HEADERS)
                if new_anon:
                    cookie = (f"{ANON_COOKIE}={new_anon}; Path=/; HttpOnly; SameSite=Strict"
                              + ("; Secure" if secure else ""))
                    hdrs.append((b"set-cookie", cookie.encode()))
                message["headers"] = hdrs
            await send(message)

        await self.app(scope, receive, send_wrapped)

    async def _unauthenticated(self, scope: Any, receive: Any, send: Any, path: str,
                               headers: Headers) -> None:
        if _wants_json(path, headers):
            resp: Response = JSONResponse({"error": "Cần đăng nhập / authentication required"},
                                          status_code=401, headers={"WWW-Authenticate": "Bearer"})
        elif scope["method"] == "GET":
            target = path + (("?" + scope["query_string"].decode("latin-1"))
                             if scope.get("query_string") else "")
            resp = RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)
        else:
            resp = _html(scope, 401, "Cần đăng nhập / authentication required")
        await resp(scope, receive, send)

    async def _deny(self, scope: Any, receive: Any, send: Any, status: int, message: str) -> None:
        if _wants_json(scope["path"], Headers(scope=scope)):
            resp: Response = JSONResponse({"error": message}, status_code=status)
        else:
            resp = _html(scope, status, message)
        await resp(scope, receive, send)


def _html(scope: Any, status: int, message: str) -> Response:
    from vimon.web.render import html_error

    return html_error(Request(scope), status, message)


async def _read_body(receive: Any, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks), False


def _replay(body: bytes, original: Any) -> Any:
    """Hand the buffered body to the app once, then pass through (a later read waits for the
    real disconnect, as it would without this middleware)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


def _csrf_given(headers: Headers, body: bytes, state: dict[str, Any]) -> str:
    """The CSRF token sent with a form. A urlencoded body is split here once and kept in the
    request state (``urlencoded_form``) for an endpoint that parses its form by hand."""
    ctype = headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        try:
            fields = parse_qs(body.decode("latin-1"), keep_blank_values=True, max_num_fields=200)
        except ValueError:  # too many fields: no token can be read, the request is refused
            return ""
        state["urlencoded_form"] = fields
    given = headers.get("x-csrf-token")
    if given:
        return given
    if ctype.startswith("application/x-www-form-urlencoded"):
        values = fields.get("csrf")
        return values[0] if values else ""
    if ctype.startswith("multipart/form-data"):
        m = _MULTIPART_CSRF.search(body)
        return m.group(1).decode() if m else ""
    return ""
