"""HTML pages, each with a ``.json`` twin built from the same context."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from vimon.errors import NotFound
from vimon.pipeline.parse import parse_time
from vimon.web.deps import PageNo, StoreDep
from vimon.web.render import render

router = APIRouter()
PAGE = 25


def _dashboard(store: Any) -> dict[str, Any]:
    stats = store.stats(days=30)
    latest, _ = store.list_items(limit=12)
    q_rows, q_total = store.list_quarantine(limit=5)
    peak = max((d["count"] for d in stats["by_day"]), default=0)
    return {
        "title": "Tổng quan",
        "stats": stats,
        "peak_day": peak,
        "latest": latest,
        "quarantine_total": q_total,
        "quarantine_latest": q_rows,
        "runs": store.list_runs(limit=5),
    }


@router.get("/", include_in_schema=False)
def index(request: Request, store: StoreDep):
    return render(request, "index.html", _dashboard(store), as_json=False)


@router.get("/index.json", tags=["pages"], summary="Dữ liệu trang tổng quan")
def index_json(request: Request, store: StoreDep):
    return render(request, "index.html", _dashboard(store), as_json=True)


def _items_ctx(store: Any, q: str | None, source: str | None, kind: str | None,
               since: str | None, until: str | None, page: int,
               cluster: str | None = None) -> dict[str, Any]:
    filters: dict[str, Any] = {"query": q or None, "source": source or None, "kind": kind or None,
                               "cluster": cluster or None}
    errors = []
    for name, raw in (("since", since), ("until", until)):
        if raw:
            try:
                dt = parse_time(raw)
                if name == "until" and dt and len(raw) <= 10:  # a bare day includes that day
                    dt += timedelta(days=1)
                filters[name] = dt
            except Exception:
                errors.append(f"Ngày không hợp lệ / invalid date: {raw}")
    page = max(page, 1)
    rows, total = store.list_items(limit=PAGE, offset=(page - 1) * PAGE, **filters)
    return {
        "title": "Tin đã thu thập",
        "items": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE)),
        "q": q or "", "source": source or "", "kind": kind or "",
        "since": since or "", "until": until or "", "cluster": cluster or "",
        "errors": errors,
        "sources": [s["key"] for s in store.list_sources()],
    }


ItemsQuery = Annotated[str | None, Query(description="Từ khóa (không phân biệt dấu)")]


@router.get("/items", include_in_schema=False)
def items_page(request: Request, store: StoreDep, q: ItemsQuery = None, source: str | None = None,
               kind: str | None = None, since: str | None = None, until: str | None = None,
               page: PageNo = 1, cluster: str | None = None):
    return render(request, "items.html",
                  _items_ctx(store, q, source, kind, since, until, page, cluster), as_json=False)


@router.get("/items.json", tags=["pages"], summary="Danh sách tin (trang)")
def items_page_json(request: Request, store: StoreDep, q: ItemsQuery = None,
                    source: str | None = None, kind: str | None = None,
                    since: str | None = None, until: str | None = None, page: PageNo = 1,
                    cluster: str | None = None):
    return render(request, "items.html",
                  _items_ctx(store, q, source, kind, since, until, page, cluster), as_json=True)


def highlight(text: str, spans: list[list[int]] | None) -> list[tuple[str, bool]]:
    """Split text into (piece, marked) runs for the offensive spans a model found."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans or []):
        if end <= pos:
            continue
        start = max(start, pos)
        if start > pos:
            out.append((text[pos:start], False))
        if out and out[-1][1] and start == pos:  # touching or overlapping: one mark
            out[-1] = (out[-1][0] + text[start:end], True)
        else:
            out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _explain(label: dict[str, Any], text: str) -> list[Any]:
    try:
        from vimon.ml.service import explain_label
    except ImportError:
        return []
    return explain_label(label["task"], label["model_version"], text, label["label"])


def _item_ctx(store: Any, item_id: int) -> dict[str, Any]:
    item = store.get_item(item_id)
    if item is None:
        raise NotFound("VM-WEB-404", f"Không có tin số {item_id} / no item {item_id}")
    members = [m for m in store.cluster_members(item["cluster_id"]) if m["id"] != item_id] \
        if item["cluster_id"] else []
    labels = store.item_labels(item_id)
    for lb in labels:
        if lb["origin"] == "model" and not lb["explanation"]:
            lb["explanation"] = _explain(lb, item["text"])
    return {
        "title": item["title"] or f"Tin #{item_id}",
        "item": item,
        "labels": labels,
        "text_runs": highlight(item["text"], next(
            (lb["spans"] for lb in labels if lb["task"] == "toxicity" and lb["spans"]), None)),
        "cluster": store.get_cluster(item["cluster_id"]) if item["cluster_id"] else None,
        "cluster_members": members,
    }


@router.get("/items/{item_id:int}", include_in_schema=False)
def item_page(request: Request, store: StoreDep, item_id: int):
    return render(request, "item.html", _item_ctx(store, item_id), as_json=False)


@router.get("/items/{item_id}.json", tags=["pages"], summary="Chi tiết tin và cụm")
def item_page_json(request: Request, store: StoreDep, item_id: int):
    return render(request, "item.html", _item_ctx(store, item_id), as_json=True)


def _quarantine_ctx(store: Any, page: int) -> dict[str, Any]:
    page = max(page, 1)
    rows, total = store.list_quarantine(limit=PAGE, offset=(page - 1) * PAGE)
    for r in rows:
        r["raw"] = (r["raw"] or "")[:2000]
    return {
        "title": "Dữ liệu bị cách ly",
        "rows": rows,
        "total": total,
        "reasons": store.quarantine_reasons(),
        "page": page,
        "pages": max(1, -(-total // PAGE)),
    }


@router.get("/quarantine", include_in_schema=False)
def quarantine_page(request: Request, store: StoreDep, page: PageNo = 1):
    return render(request, "quarantine.html", _quarantine_ctx(store, page), as_json=False)


@router.get("/quarantine.json", tags=["pages"], summary="Dữ liệu bị cách ly")
def quarantine_json(request: Request, store: StoreDep, page: PageNo = 1):
    return render(request, "quarantine.html", _quarantine_ctx(store, page), as_json=True)


def _sources_ctx(store: Any) -> dict[str, Any]:
    return {"title": "Nguồn tin", "sources": store.list_sources(), "now": datetime.now()}


@router.get("/sources", include_in_schema=False)
def sources_page(request: Request, store: StoreDep):
    return render(request, "sources.html", _sources_ctx(store), as_json=False)


@router.get("/sources.json", tags=["pages"], summary="Nguồn tin")
def sources_json(request: Request, store: StoreDep):
    return render(request, "sources.html", _sources_ctx(store), as_json=True)
