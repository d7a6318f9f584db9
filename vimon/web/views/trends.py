"""Trends (``/trends``): a series (topic, watchlist, source, district…) hourly with bursts,
a forecast with its prediction interval and the forecast's backtest error; ``/issues``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from vimon.analysis.charts import trend_charts
from vimon.analysis.issues import find_issues
from vimon.analysis.trends import DIM_LABELS, DIMS, analyse_series, series, tracked_series
from vimon.store.base import utcnow
from vimon.web.deps import SettingsDep, StoreDep
from vimon.web.render import render

router = APIRouter()


def _trends_ctx(store: Any, settings: Any, dim: str, key: str, days: int) -> dict[str, Any]:
    now = utcnow()
    dim = dim if dim in DIMS else "all"
    key = "" if dim == "all" else key
    days = min(max(days, 1), 60)
    hourly = analyse_series(store, dim, key, now, days=min(days, 14), settings=settings)
    daily = series(store, dim, key, grain="d", days=days, now=now)
    return {"title": "Xu hướng", "dim": dim, "key": key, "days": days, "dim_labels": DIM_LABELS,
            "tracked": tracked_series(store, now), "hourly": hourly, "daily": daily,
            "charts": trend_charts(hourly, daily)}


@router.get("/trends", include_in_schema=False)
def trends_page(request: Request, store: StoreDep, settings: SettingsDep, dim: str = "all",
                key: str = "", days: int = 30):
    return render(request, "trends.html", _trends_ctx(store, settings, dim, key, days),
                  as_json=False)


@router.get("/trends.json", tags=["pages"], summary="Chuỗi thời gian, đột biến, dự báo")
def trends_json(request: Request, store: StoreDep, settings: SettingsDep, dim: str = "all",
                key: str = "", days: int = 30):
    return render(request, "trends.html", _trends_ctx(store, settings, dim, key, days),
                  as_json=True)


def _issues_ctx(store: Any, settings: Any, hours: int) -> dict[str, Any]:
    hours = min(max(hours, 1), 24 * 30)
    return {"title": "Vấn đề dư luận quan tâm", "hours": hours,
            "issues": find_issues(store, utcnow(), hours=hours)}


@router.get("/issues", include_in_schema=False)
def issues_page(request: Request, store: StoreDep, settings: SettingsDep, hours: int = 48):
    return render(request, "issues.html", _issues_ctx(store, settings, hours), as_json=False)


@router.get("/issues.json", tags=["pages"], summary="Vấn đề dư luận quan tâm")
def issues_json(request: Request, store: StoreDep, settings: SettingsDep, hours: int = 48):
    return render(request, "issues.html", _issues_ctx(store, settings, hours), as_json=True)
