"""The FastAPI application: pages, API, health, static assets (all served locally)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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
from vimon.web.guards import NulGuard
from vimon.web.render import html_error
from vimon.web.views import admin as admin_views
from vimon.web.views import alerts as alert_views
from vimon.web.views import api, pages
from vimon.web.views import auth as auth_views
from vimon.web.views import campaigns as campaign_views
from vimon.web.views import cases as case_views
from vimon.web.views import collect as collect_views
from vimon.web.views import compliance as compliance_views
from vimon.web.views import dashboard as dashboard_views
from vimon.web.views import impersonation as impersonation_views
from vimon.web.views import partners as partner_views
from vimon.web.views import plans as plan_views
from vimon.web.views import portal as portal_views
from vimon.web.views import review as review_views
from vimon.web.views import search as search_views
from vimon.web.views import trends as trend_views
from vimon.web.views import watchlists as watchlist_views

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api/") or path.endswith(".json")
        or "application/json" in request.headers.get("accept", "")
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    writer = getattr(app.state, "report_writer", None)
    if writer is not None:  # let queued citizen reports reach the database
        writer.close()


def create_app(store: Any, settings: Settings) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan,
        # No OpenTelemetry export (nothing leaves the machine at run time); left on, FastAPI
        # looks the providers up in the environment on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
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

    # People in the loop: sign-in, public portal, review, cases, administration. The middleware
    # makes every page staff-only unless vimon/auth/access.py lists it as public.
    from vimon.auth.middleware import AuthMiddleware
    from vimon.auth.secrets import secret_key

    secret_key(settings)  # refuses to start in production without VIMON_SECRET_KEY
    app.add_middleware(AuthMiddleware, max_form_bytes=settings.report_max_upload_bytes + 256 * 1024)
    app.add_middleware(NulGuard)  # added last = runs first
    for r in (auth_views, portal_views, review_views, case_views, admin_views):
        app.include_router(r.router)
    # Search, trends, issues, dashboards, watchlists and alerts (vimon.analysis, vimon.alerts).
    for r in (search_views, trend_views, dashboard_views, watchlist_views, alert_views,
              plan_views):
        app.include_router(r.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(collect_views.router)
    for r in (partner_views, campaign_views, compliance_views, impersonation_views):
        app.include_router(r.router)

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
        status = 404 if isinstance(exc, NotFound) else getattr(exc, "http_status", 400)
        if _wants_json(request):
            return JSONResponse({"error": exc.message, "code": exc.code}, status_code=status)
        return html_error(request, status, exc.message)

    @app.exception_handler(OverflowError)
    async def id_overflow(request: Request, exc: OverflowError):  # type: ignore[no-untyped-def]
        # An id past 64 bits (found by schemathesis) cannot name a row: not found, not a 500.
        if _wants_json(request):
            return JSONResponse({"error": "Không tìm thấy / not found"}, status_code=404)
        return html_error(request, 404, "Không tìm thấy / not found")

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s", request.url.path)
        if _wants_json(request):
            return JSONResponse({"error": "Lỗi nội bộ / internal error"}, status_code=500)
        return html_error(request, 500, "Lỗi nội bộ; chi tiết đã được ghi log. Internal error.")

    return app
