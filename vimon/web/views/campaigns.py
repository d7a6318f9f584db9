"""Communication campaigns (plans, calendar, KPIs) and the spread of official items."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from vimon.analysis import campaigns as camp
from vimon.analysis import spread
from vimon.web.deps import StoreDep, require
from vimon.web.render import render
from vimon.web.views.partners import dates_as_text

router = APIRouter(tags=["outreach"])
Writer = Annotated[dict[str, Any], require("case.write")]


def _list_ctx(store: Any, month: str | None) -> dict[str, Any]:
    rows = store.list_campaigns()
    try:
        first = date.fromisoformat((month or "") + "-01") if month else None
    except ValueError:
        first = None
    first = first or (rows[0]["starts_on"].replace(day=1) if rows else date.today().replace(day=1))
    prev = (first - timedelta(days=1)).replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return {"title": "Chiến dịch truyền thông", "campaigns": rows, "month": first.strftime("%Y-%m"),
            "prev": prev.strftime("%Y-%m"), "next": nxt.strftime("%Y-%m"),
            "weeks": camp.month_calendar(rows, first.year, first.month), "kpi_names": camp.KPI_NAMES}


@router.get("/campaigns", include_in_schema=False)
def campaigns_page(request: Request, store: StoreDep, month: str | None = None):
    return render(request, "campaigns.html", _list_ctx(store, month), as_json=False)


@router.get("/campaigns.json", summary="Danh sách và lịch chiến dịch / campaigns and calendar")
def campaigns_json(request: Request, store: StoreDep, month: str | None = None):
    return render(request, "campaigns.html", dates_as_text(_list_ctx(store, month)), as_json=True)


@router.post("/campaigns", include_in_schema=False)
def create_campaign(store: StoreDep, user: Writer, name: Annotated[str, Form(max_length=300)],
                    starts_on: Annotated[str, Form(max_length=10)],
                    ends_on: Annotated[str, Form(max_length=10)],
                    topic: Annotated[str, Form(max_length=120)] = "",
                    goal: Annotated[str, Form(max_length=4000)] = "",
                    messages: Annotated[str, Form(max_length=4000)] = "",
                    channels: Annotated[str, Form(max_length=1000)] = "",
                    partners: Annotated[str, Form(max_length=2000)] = "",
                    keywords: Annotated[str, Form(max_length=1000)] = "",
                    item_ids: Annotated[str, Form(max_length=2000)] = "",
                    kpi_reach: Annotated[str, Form(max_length=20)] = "",
                    kpi_engagement: Annotated[str, Form(max_length=20)] = "",
                    kpi_shares: Annotated[str, Form(max_length=20)] = "",
                    kpi_sentiment_shift: Annotated[str, Form(max_length=20)] = ""):
    ids = [int(x) for x in item_ids.replace(",", " ").split() if x.isdigit()]
    slug = camp.create(store, user["username"], {
        "name": name, "starts_on": starts_on, "ends_on": ends_on, "topic": topic, "goal": goal,
        "messages": messages, "channels": channels, "partners": partners, "keywords": keywords,
        "item_ids": ids, "kpis": {"reach": kpi_reach, "engagement": kpi_engagement,
                                  "shares": kpi_shares, "sentiment_shift": kpi_sentiment_shift}})
    return RedirectResponse(f"/campaigns/{slug}", status_code=303)


def _camp_ctx(store: Any, slug: str) -> dict[str, Any]:
    rep = camp.report(store, slug)
    return {"title": rep["campaign"]["name"], **rep}


@router.get("/campaigns/{slug}", include_in_schema=False)
def campaign_page(request: Request, store: StoreDep, slug: str):
    if slug.endswith(".json"):
        return render(request, "campaign.html", dates_as_text(_camp_ctx(store, slug[:-5])), as_json=True)
    return render(request, "campaign.html", _camp_ctx(store, slug), as_json=False)


def _spread_ctx(store: Any, days: int) -> dict[str, Any]:
    days = max(1, min(days, 3650))
    since = datetime.utcnow() - timedelta(days=days)
    sp = spread.spread_of(store, store.official_items(since=since, limit=200))
    return {"title": "Lan tỏa tin chính thức", "days": days, "officials": sp,
            "timeline": spread.timeline(sp), "scorecard": spread.scorecard(sp),
            "republished": sum(1 for s in sp if s["n"])}


@router.get("/spread", include_in_schema=False)
def spread_page(request: Request, store: StoreDep, days: int = 60):
    return render(request, "spread.html", _spread_ctx(store, days), as_json=False)


@router.get("/spread.json", summary="Lan tỏa tin chính thức / spread of official items")
def spread_json(request: Request, store: StoreDep, days: int = 60):
    return render(request, "spread.html", _spread_ctx(store, days), as_json=True)
