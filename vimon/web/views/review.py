"""The review queue page: flagged items by risk × reach, with bulk decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from vimon.web.deps import PageNo, SettingsDep, StoreDep, require
from vimon.web.render import render
from vimon.workflow import cases as wf
from vimon.workflow import review

router = APIRouter(tags=["staff"])
PAGE = 25
Reviewer = Annotated[dict[str, Any], require("review.decide")]


def _ctx(store: Any, settings: Any, kind: str | None, source: str | None, min_risk: float,
         page: int) -> dict[str, Any]:
    review.sync_flags(store, settings)
    page = max(1, min(page, 10_000))
    rows, total = review.queue(store, kind=kind or None, source=source or None,
                               min_risk=max(0.0, min(min_risk, 1.0)), limit=PAGE,
                               offset=(page - 1) * PAGE)
    return {"title": "Hàng đợi rà soát", "rows": rows, "total": total, "page": page,
            "pages": max(1, -(-total // PAGE)), "kind": kind or "", "source": source or "",
            "min_risk": min_risk, "kinds": review.KIND_LABELS}


@router.get("/review", include_in_schema=False)
def review_page(request: Request, store: StoreDep, settings: SettingsDep, user: Reviewer,
                kind: str | None = None, source: str | None = None, min_risk: float = 0.0,
                page: PageNo = 1):
    return render(request, "review.html", _ctx(store, settings, kind, source, min_risk, page),
                  as_json=False)


@router.get("/review.json", summary="Hàng đợi rà soát (risk × reach)")
def review_json(request: Request, store: StoreDep, settings: SettingsDep, user: Reviewer,
                kind: str | None = None, source: str | None = None, min_risk: float = 0.0,
                page: PageNo = 1):
    return render(request, "review.html", _ctx(store, settings, kind, source, min_risk, page),
                  as_json=True)


@router.post("/review/decide", include_in_schema=False)
async def review_decide(request: Request, store: StoreDep, user: Reviewer,
                        action: Annotated[str, Form(max_length=20)],
                        flag_ids: Annotated[list[int], Form()],
                        label: Annotated[str, Form(max_length=200)] = "",
                        note: Annotated[str, Form(max_length=2000)] = ""):
    await run_in_threadpool(review.decide, store, user, flag_ids[:500], action, label or None, note)
    return RedirectResponse("/review", status_code=303)


@router.post("/review/open-case", include_in_schema=False)
async def review_open_case(request: Request, store: StoreDep, user: Reviewer,
                           flag_ids: Annotated[list[int], Form()],
                           title: Annotated[str, Form(max_length=500)] = ""):
    flags = store.get_flags(flag_ids[:500])
    item_ids = sorted({f["item_id"] for f in flags if f["item_id"]})
    first = store.get_item(item_ids[0]) if item_ids else None
    name = title.strip() or ((first or {}).get("title") or (first or {}).get("text_norm", "")[:100]
                             or "Hồ sơ từ hàng đợi rà soát")
    cid = await run_in_threadpool(lambda: wf.open_case(store, user, title=name, item_ids=item_ids))
    return RedirectResponse(f"/cases/{cid}", status_code=303)
