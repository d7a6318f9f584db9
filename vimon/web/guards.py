"""Request guards that apply to every route, before any view or database sees the request."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.responses import JSONResponse

_MAX_ID = 2**63 - 1


def _id_too_large(path: str) -> bool:
    for seg in path.split("/"):
        digits = seg.removesuffix(".json").removeprefix("-")
        if digits.isdigit() and len(digits) >= 19 and int(digits) > _MAX_ID:
            return True
    return False


class NulGuard:
    """Refuse NUL characters in the path or query string with a clear 400, and numeric ids
    past 64 bits with a 404 (no such object can exist).

    PostgreSQL cannot store or compare text containing NUL, and compares BIGINT ids only
    up to 2**63 - 1, so either would otherwise surface as a server error deep in a query."""

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
            if _id_too_large(scope.get("path", "")):
                response = JSONResponse({"error": "Không tìm thấy / not found"}, status_code=404)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
