"""The FastAPI application: pages, API, health, static assets (all served locally)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from vimon import __version__
from vimon.errors import NotFound, VimonError
from vimon.settings import Settings
from vimon.web.render import html_error
from vimon.web.views import api, pages

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api/") or path.endswith(".json")
        or "application/json" in request.headers.get("accept", "")
    )


def create_app(store: Any, settings: Settings) -> FastAPI:
    app = FastAPI(
        title="vimon",
        version=__version__,
        description="Giám sát thông tin trên không gian mạng tiếng Việt — "
        "Vietnamese information-space monitor. Mọi trang HTML có bản .json tương ứng.",
    )
    app.state.store = store
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    @app.get("/healthz", tags=["ops"], summary="Kiểm tra sống / liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        if _wants_json(request):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        message = exc.detail if exc.status_code != 404 else "Không tìm thấy trang / page not found"
        return html_error(request, exc.status_code, str(message))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse({"error": "Tham số không hợp lệ / invalid parameters",
                                 "details": problems}, status_code=422)
        return html_error(request, 422, "Tham số không hợp lệ: " + "; ".join(problems))

    @app.exception_handler(VimonError)
    async def vimon_error(request: Request, exc: VimonError):  # type: ignore[no-untyped-def]
        status = 404 if isinstance(exc, NotFound) else 400
        if _wants_json(request):
            return JSONResponse({"error": exc.message, "code": exc.code}, status_code=status)
        return html_error(request, status, exc.message)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s", request.url.path)
        if _wants_json(request):
            return JSONResponse({"error": "Lỗi nội bộ / internal error"}, status_code=500)
        return html_error(request, 500, "Lỗi nội bộ; chi tiết đã được ghi log. Internal error.")

    return app
