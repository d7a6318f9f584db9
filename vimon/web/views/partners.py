"""Partner pages: the ranked candidates with each score explained, and the agreements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from vimon.analysis import partners
from vimon.web.deps import SettingsDep, StoreDep, require
from vimon.web.render import render

router = APIRouter(tags=["outreach"])
Writer = Annotated[dict[str, Any], require("case.write")]


def dates_as_text(value: Any) -> Any:
    """Calendar dates as ISO text for the .json twins (the shared encoder knows datetimes)."""
    if isinstance(value, dict):
        return {k: dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [dates_as_text(v) for v in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    return value


def _ctx(store: Any, settings: Any, topics: str | None) -> dict[str, Any]:
    wanted = [t.strip() for t in (topics or "").split(",") if t.strip()]
    rows = partners.rank(store, settings, days=settings.partner_window_days, topics=wanted or None)
    return {"title": "Đối tác lan tỏa thông tin", "rows": rows, "topics": topics or "",
            "min_followers": settings.partner_min_followers, "weights": partners.WEIGHTS,
            "component_names": partners.COMPONENT_NAMES,
            "eligible": sum(1 for r in rows if r["eligible"]),
            "agreements": store.list_agreements(), "target": "10–20 trang/nhóm (QĐ 3550)"}


@router.get("/partners", include_in_schema=False)
def partners_page(request: Request, store: StoreDep, settings: SettingsDep, topics: str | None = None):
    return render(request, "partners.html", _ctx(store, settings, topics), as_json=False)


@router.get("/partners.json", summary="Xếp hạng đối tác và thỏa thuận / partner ranking")
def partners_json(request: Request, store: StoreDep, settings: SettingsDep, topics: str | None = None):
    return render(request, "partners.html", dates_as_text(_ctx(store, settings, topics)), as_json=True)


@router.post("/partners/agreements", include_in_schema=False)
def add_agreement(store: StoreDep, user: Writer, source: Annotated[str, Form(max_length=200)],
                  starts_on: Annotated[str, Form(max_length=10)],
                  contact: Annotated[str, Form(max_length=1000)] = "",
                  topics: Annotated[str, Form(max_length=1000)] = "",
                  ends_on: Annotated[str, Form(max_length=10)] = "",
                  note: Annotated[str, Form(max_length=2000)] = ""):
    src = store.get_source(source)
    if src is None:
        raise HTTPException(404, f"Không có nguồn «{source}» / no such source")
    try:
        start = date.fromisoformat(starts_on)
        end = date.fromisoformat(ends_on) if ends_on else None
    except ValueError as exc:
        raise HTTPException(422, "Ngày không hợp lệ (YYYY-MM-DD) / invalid date") from exc
    store.add_agreement({"source_id": src["id"], "contact": contact.strip() or None,
                         "starts_on": start, "ends_on": end, "note": note.strip() or None,
                         "topics": [t.strip() for t in topics.split(",") if t.strip()]},
                        user["username"])
    return RedirectResponse("/partners", status_code=303)
