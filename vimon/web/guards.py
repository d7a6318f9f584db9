"""Request guards that apply to every route, before any view or database sees the request."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.responses import JSONResponse


class NulGuard:
    """Refuse NUL characters in the path or query string with a clear 400.

    PostgreSQL cannot store or compare text containing NUL, so a stray ``%00`` would
    otherwise surface as a server error deep in a query."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            raw = scope.get("query_string", b"")
            if b"\x00" in unquote_to_bytes(raw) or "\x00" in scope.get("path", ""):
                response = JSONResponse(
                    {"error": "Ký tự NUL không hợp lệ trong địa chỉ / NUL character in the URL"},
                    status_code=400,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
