"""Collection pages: status and health of every source (``/collect``), and the sources
registry admin (``/collect/sources``), each with a ``.json`` twin. Adding a source is a write:
the form asks for the admin token (``VIMON_API_TOKEN``), as the write API does, because an
admin-registered source may point anywhere, loopback included."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request

from vimon.collect.reasons import COLLECT_REASONS
from vimon.errors import VimonError
from vimon.records import SOURCE_KINDS
from vimon.web.deps import SettingsDep, StoreDep
from vimon.web.render import render

router = APIRouter()


def _status_ctx(store: Any) -> dict[str, Any]:
    rows = store.collect_overview()
    return {
        "title": "Thu thập",
        "sources": rows,
        "unhealthy": sum(1 for r in rows if r.get("state_healthy") is False),
        "events": store.list_collect_events(limit=50),
        "evidence": store.evidence_counts(),
        "reasons": COLLECT_REASONS,
    }


@router.get("/collect", include_in_schema=False)
def collect_page(request: Request, store: StoreDep):
    return render(request, "collect_status.html", _status_ctx(store), as_json=False)


@router.get("/collect.json", tags=["pages"], summary="Tình trạng thu thập từng nguồn")
def collect_json(request: Request, store: StoreDep):
    return render(request, "collect_status.html", _status_ctx(store), as_json=True)


def _sources_ctx(store: Any, message: str | None = None, error: str | None = None) -> dict[str, Any]:
    return {"title": "Quản lý nguồn thu thập", "sources": store.list_sources(),
            "kinds": list(SOURCE_KINDS), "message": message, "error": error}


@router.get("/collect/sources", include_in_schema=False)
def sources_admin(request: Request, store: StoreDep):
    return render(request, "collect_sources.html", _sources_ctx(store), as_json=False)


@router.get("/collect/sources.json", tags=["pages"], summary="Sổ đăng ký nguồn")
def sources_admin_json(request: Request, store: StoreDep):
    return render(request, "collect_sources.html", _sources_ctx(store), as_json=True)


@router.post("/collect/sources", include_in_schema=False)
def sources_add(
    request: Request, store: StoreDep, settings: SettingsDep,
    url: Annotated[str, Form(max_length=2000)],
    token: Annotated[str, Form(max_length=500)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=500)] = "",
    key: Annotated[str, Form(max_length=200)] = "",
    feed_urls: Annotated[str, Form(max_length=8000)] = "",
    owner: Annotated[str, Form(max_length=500)] = "",
    licence: Annotated[str, Form(max_length=500)] = "",
    licence_scope: Annotated[str, Form(max_length=20)] = "",
    followers: Annotated[str, Form(max_length=20)] = "",
    district: Annotated[str, Form(max_length=120)] = "",
    ward: Annotated[str, Form(max_length=120)] = "",
    tags: Annotated[str, Form(max_length=2000)] = "",
    crawl_interval: Annotated[str, Form(max_length=20)] = "",
    official: Annotated[str, Form(max_length=5)] = "",
    verified: Annotated[str, Form(max_length=5)] = "",
    partner: Annotated[str, Form(max_length=5)] = "",
):
    from vimon.collect.sources import add_source, source_fields

    expected = settings.api_token or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        ctx = _sources_ctx(store, error="Mã quản trị không đúng hoặc chưa cấu hình VIMON_API_TOKEN. "
                           "Invalid admin token.")
        return render(request, "collect_sources.html", ctx, as_json=False)
    try:
        fields = source_fields({
            "key": key, "owner": owner, "licence": licence, "licence_scope": licence_scope,
            "followers": followers, "district": district, "ward": ward, "tags": tags,
            "feed_urls": feed_urls, "crawl_interval": crawl_interval,
            "official": "1" if official else "0", "verified": "1" if verified else "0",
            "partner": "1" if partner else "0"})
        src = add_source(store, url.strip(), kind=kind or None, name=name or None, **fields)
    except (VimonError, ValueError) as exc:
        msg = exc.message if isinstance(exc, VimonError) else str(exc)
        return render(request, "collect_sources.html", _sources_ctx(store, error=msg), as_json=False)
    return render(request, "collect_sources.html",
                  _sources_ctx(store, message=f"Đã lưu nguồn {src['key']} / saved"), as_json=False)
