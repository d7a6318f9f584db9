"""The morning view (``/dashboard``): top issues, positive vs negative share over time,
volume by topic and district, top sources, latest alerts. Charts are drawn in the browser
by ``static/charts.js`` from the same context the ``.json`` twin returns."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request

from vimon.analysis.charts import dashboard_charts
from vimon.analysis.issues import find_issues
from vimon.analysis.trends import series
from vimon.store.base import utcnow
from vimon.web.deps import SettingsDep, StoreDep
from vimon.web.render import render

router = APIRouter()


def _ctx(store: Any, settings: Any, days: int) -> dict[str, Any]:
    now = utcnow()
    days = min(max(days, 1), 90)
    since = now - timedelta(days=days)
    daily = series(store, "all", "", grain="d", days=days, now=now)["points"]
    share = [{"bucket": p["bucket"], "positive": round(p["pos"] / p["n"], 3) if p["n"] else 0,
              "negative": round(p["neg"] / p["n"], 3) if p["n"] else 0, "n": p["n"]}
             for p in daily]
    topics = store.top_keys("d", "topic", since, limit=10)
    districts = store.top_keys("d", "district", since, limit=12)
    tnames = store.tag_labels("topic", [t["key"] for t in topics])
    dnames = store.tag_labels("district", [d["key"] for d in districts])
    alerts, _ = store.list_alerts(limit=10)
    ctx: dict[str, Any] = {
        "title": "Bản tin buổi sáng", "days": days,
        "issues": find_issues(store, now, hours=settings.issue_window_hours, limit=8),
        "sentiment_share": share,
        "by_topic": [{"key": t["key"], "label": tnames.get(t["key"], t["key"]), "n": t["n"],
                      "pos": t["pos"], "neg": t["neg"]} for t in topics],
        "by_district": [{"key": d["key"], "label": dnames.get(d["key"], d["key"]), "n": d["n"]}
                        for d in districts],
        "top_sources": store.top_keys("d", "source", since, limit=10),
        "alerts": [{k: a[k] for k in ("id", "kind", "severity", "status", "title", "created_at")}
                   for a in alerts],
    }
    ctx["charts"] = dashboard_charts(ctx)
    return ctx


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(request: Request, store: StoreDep, settings: SettingsDep, days: int = 14):
    return render(request, "dashboard.html", _ctx(store, settings, days), as_json=False)


@router.get("/dashboard.json", tags=["pages"], summary="Bản tin buổi sáng (dữ liệu)")
def dashboard_json(request: Request, store: StoreDep, settings: SettingsDep, days: int = 14):
    return render(request, "dashboard.html", _ctx(store, settings, days), as_json=True)


# -- period reports (vimon.reports): the daily briefing to the annual evaluation ------------
def _period_ctx(store: Any, period: str, day: str | None) -> dict[str, Any]:
    from fastapi import HTTPException

    from vimon.analysis.facets import local_day
    from vimon.errors import InputError
    from vimon.reports.period import build

    try:
        return build(store, period, local_day(day, "VM-RP03"))
    except InputError as exc:
        raise HTTPException(400, exc.message) from None


def _report_ctx(store: Any, period: str, day: str | None) -> dict[str, Any]:
    """The report's context plus what the page shows: its sections, the period choices."""
    from vimon.reports import builders
    from vimon.reports.period import KIND_LABELS, KINDS

    ctx = _period_ctx(store, period, day)
    ctx["sections"] = [asdict(s) for s in builders.sections(ctx)]
    ctx["kinds"] = [{"id": k, "label": KIND_LABELS[k]} for k in KINDS]
    ctx["note"] = builders.NOTE
    return ctx


@router.get("/briefing", include_in_schema=False)
def briefing_page(request: Request, store: StoreDep, period: str = "day", date: str | None = None):
    return render(request, "briefing.html", _report_ctx(store, period, date), as_json=False)


@router.get("/briefing.json", tags=["pages"], summary="Báo cáo định kỳ (dữ liệu)")
def briefing_json(request: Request, store: StoreDep, period: str = "day", date: str | None = None):
    return render(request, "briefing.html", _report_ctx(store, period, date), as_json=True)


@router.get("/briefing.{fmt}", tags=["pages"], summary="Báo cáo định kỳ (DOCX / XLSX / PDF)")
def briefing_file(fmt: str, store: StoreDep, settings: SettingsDep, period: str = "day",
                  date: str | None = None):
    from fastapi import HTTPException
    from fastapi.responses import Response

    from vimon.reports import builders

    if fmt not in builders.FORMATS:
        raise HTTPException(404, "Định dạng không hỗ trợ / unsupported format ("
                            + ", ".join(builders.FORMATS) + ")")
    ctx = _period_ctx(store, period, date)  # the writer builds the sections itself
    media, write = builders.FORMATS[fmt]
    return Response(write(ctx, settings), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{builders.file_name(ctx, fmt)}"'})
