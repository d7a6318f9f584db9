"""Search page (``/search``), its ``.json`` twin, CSV/XLSX export and ``/api/search``: the
query language with highlighted matches, facets and sorting."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from vimon.analysis.highlight import snippet
from vimon.store.analysis import FACETS, SORTS
from vimon.store.querylang import QuerySyntaxError, describe, parse
from vimon.web.deps import PageNo, StoreDep
from vimon.web.format import iso_local
from vimon.web.render import jsonable, render

router = APIRouter()
PAGE = 25
EXPORT_MAX = 50_000
# Totals are counted up to here; a larger result set shows as "ít nhất 10.000 kết quả" (counting
# every match of a broad query over millions of items costs more than the page itself).
COUNT_CAP = 10_000
FACET_LABELS = {"source": "Nguồn", "kind": "Loại", "topic": "Chủ đề", "sentiment": "Sắc thái",
                "district": "Địa bàn", "tag": "Danh sách theo dõi", "label": "Nhãn mô hình",
                "day": "Ngày"}
QText = Annotated[str, Query(description="Truy vấn (docs/search.md) / query")]


def _ctx(store: Any, q: str, exact: bool, sort: str, page: int) -> dict[str, Any]:
    sort = sort if sort in SORTS else "time"
    page = min(max(1, page), 10_000)
    ctx: dict[str, Any] = {"title": "Tìm kiếm", "q": q, "exact": exact, "sort": sort,
                           "page": page, "results": [], "total": 0, "pages": 1, "facets": {},
                           "error": None, "understood": None, "facet_labels": FACET_LABELS,
                           "sorts": SORTS}
    try:
        parsed = parse(q, exact=exact)
    except QuerySyntaxError as exc:
        ctx["error"] = {"message": exc.detail, "position": exc.position, "pointer": exc.pointer()}
        return ctx
    ctx["understood"] = describe(parsed.root)
    rows, total = store.search_items(parsed, sort=sort, limit=PAGE, offset=(page - 1) * PAGE,
                                     count_cap=COUNT_CAP)
    tags = store.item_tags_for([r["id"] for r in rows])
    for r in rows:
        r["snippet"] = [{"text": t, "hit": h} for t, h in snippet(r.pop("text_norm"), parsed)]
        r["tags"] = tags.get(r["id"], {})
    ctx.update(results=rows, total=total, total_exact=total < COUNT_CAP,
               pages=max(1, -(-total // PAGE)),
               facets=store.search_facets(parsed))
    return ctx


@router.get("/search", include_in_schema=False)
def search_page(request: Request, store: StoreDep, q: QText = "", exact: bool = False,
                sort: str = "time", page: PageNo = 1):
    return render(request, "search.html", _ctx(store, q, exact, sort, page), as_json=False)


@router.get("/search.json", tags=["pages"], summary="Tìm kiếm (dữ liệu trang)")
def search_json(request: Request, store: StoreDep, q: QText = "", exact: bool = False,
                sort: str = "time", page: PageNo = 1):
    return render(request, "search.html", _ctx(store, q, exact, sort, page), as_json=True)


def _parsed_or_400(q: str, exact: bool):  # type: ignore[no-untyped-def]
    try:
        return parse(q, exact=exact)
    except QuerySyntaxError as exc:
        raise HTTPException(400, {"error": exc.message, "code": exc.code,
                                  "position": exc.position, "detail": exc.detail}) from None


@router.get("/api/search", tags=["api"], summary="Tìm kiếm bằng ngôn ngữ truy vấn")
def api_search(store: StoreDep, q: QText = "", exact: bool = False, sort: str = "time",
               limit: Annotated[int, Query(ge=1, le=500)] = 20,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0, facets: bool = False) -> dict[str, Any]:
    parsed = _parsed_or_400(q, exact)
    rows, total = store.search_items(parsed, sort=sort if sort in SORTS else "time",
                                     limit=limit, offset=offset, count_cap=COUNT_CAP)
    for r in rows:
        r["snippet"] = (r.pop("text_norm") or "")[:280]
    out: dict[str, Any] = {"query": q, "understood": describe(parsed.root), "total": total,
                           "total_exact": total < COUNT_CAP,
                           "limit": limit, "offset": offset, "items": jsonable(rows)}
    if facets:
        out["facets"] = store.search_facets(parsed)
    return out


EXPORT_COLS = ("id", "published_at", "source", "kind", "title", "author", "url", "reach", "risk",
               "sentiment", "text")


def _export_rows(store: Any, q: str, exact: bool, sort: str, limit: int) -> list[list[Any]]:
    parsed = _parsed_or_400(q, exact)
    rows, _ = store.search_items(parsed, sort=sort if sort in SORTS else "time",
                                 limit=min(max(limit, 1), EXPORT_MAX), count=False)
    return [[r["id"], iso_local(r["published_at"]) or "", r["source"] or "", r["kind"],
             r["title"] or "", r["author"] or "", r["url"] or "", r["reach"], round(r["risk"], 3),
             r["sentiment"] or "", r["text_norm"]] for r in rows]


def _safe_cell(v: Any) -> Any:
    # Spreadsheet formula injection: a cell starting with = + - @ would run as a formula.
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


@router.get("/search.csv", tags=["pages"], summary="Xuất kết quả tìm kiếm (CSV)")
def search_csv(store: StoreDep, q: QText = "", exact: bool = False, sort: str = "time",
               limit: int = 10_000):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_COLS)
    for row in _export_rows(store, q, exact, sort, limit):
        w.writerow([_safe_cell(v) for v in row])
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="vimon-tim-kiem.csv"'})


@router.get("/search.xlsx", tags=["pages"], summary="Xuất kết quả tìm kiếm (XLSX)")
def search_xlsx(store: StoreDep, q: QText = "", exact: bool = False, sort: str = "time",
                limit: int = 10_000):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Kết quả")
    ws.append(["Truy vấn / query", q])
    ws.append(list(EXPORT_COLS))
    for row in _export_rows(store, q, exact, sort, limit):
        ws.append([_safe_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="vimon-tim-kiem.xlsx"'})


__all__ = ["FACETS", "router"]
