"""Alert history (``/alerts``) and its ``.json`` twin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from vimon.web.deps import PageNo, StoreDep
from vimon.web.render import render

router = APIRouter()
PAGE = 50


def _ctx(store: Any, page: int, kind: str | None, status: str | None) -> dict[str, Any]:
    page = min(max(page, 1), 10_000)
    rows, total = store.list_alerts(limit=PAGE, offset=(page - 1) * PAGE, kind=kind or None,
                                    status=status or None)
    return {"title": "Cảnh báo", "alerts": rows, "total": total, "page": page,
            "pages": max(1, -(-total // PAGE)), "kind": kind or "", "status": status or ""}


@router.get("/alerts", include_in_schema=False)
def alerts_page(request: Request, store: StoreDep, page: PageNo = 1, kind: str | None = None,
                status: str | None = None):
    return render(request, "alerts.html", _ctx(store, page, kind, status), as_json=False)


@router.get("/alerts.json", tags=["pages"], summary="Lịch sử cảnh báo")
def alerts_json(request: Request, store: StoreDep, page: PageNo = 1, kind: str | None = None,
                status: str | None = None):
    return render(request, "alerts.html", _ctx(store, page, kind, status), as_json=True)
