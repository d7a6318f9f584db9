"""Chart specifications (plain data) that ``static/charts.js`` draws; views put them in the
context, so the ``.json`` twin carries the same numbers as the picture."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

LOCAL = timedelta(hours=7)


def _day(b: datetime) -> str:
    return (b + LOCAL).strftime("%d/%m")


def _hour(b: datetime) -> str:
    return (b + LOCAL).strftime("%d/%m %Hh")


def line(title: str, x: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "line", "title": title, "x": x, "series": series}


def bar(title: str, x: list[str], series: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "bar", "title": title, "x": x, "series": series}


def dashboard_charts(ctx: dict[str, Any]) -> dict[str, Any]:
    share = ctx["sentiment_share"]
    return {
        "share": line("Tỷ lệ tích cực / tiêu cực theo ngày", [_day(p["bucket"]) for p in share], [
            {"name": "Tích cực", "values": [p["positive"] for p in share], "color": "#2e8b57"},
            {"name": "Tiêu cực", "values": [p["negative"] for p in share], "color": "#c0392b"}]),
        "volume": bar("Số tin theo ngày", [_day(p["bucket"]) for p in share],
                      [{"name": "Số tin", "values": [p["n"] for p in share]}]),
        "topics": bar("Số tin theo chủ đề", [t["label"] for t in ctx["by_topic"]],
                      [{"name": "Số tin", "values": [t["n"] for t in ctx["by_topic"]]}]),
        "districts": bar("Số tin theo địa bàn", [d["label"] for d in ctx["by_district"]],
                         [{"name": "Số tin", "values": [d["n"] for d in ctx["by_district"]]}]),
        "sources": bar("Nguồn nhiều tin nhất", [s["key"] for s in ctx["top_sources"]],
                       [{"name": "Số tin", "values": [s["n"] for s in ctx["top_sources"]]}]),
    }


def trend_charts(hourly: dict[str, Any], daily: dict[str, Any]) -> dict[str, Any]:
    pts, fc = hourly["points"], hourly["forecast"]
    x = [_hour(p["bucket"]) for p in pts] + [_hour(f["bucket"]) for f in fc]
    burst_idx = {b["bucket"] for b in hourly["bursts"]}
    pad = [None] * len(pts)
    d = daily["points"]
    return {
        "hourly": line("Số tin theo giờ, đột biến (chấm đỏ) và dự báo", x, [
            {"name": "Thực tế", "values": [p["n"] for p in pts] + [None] * len(fc),
             "marks": [i for i, p in enumerate(pts) if p["bucket"] in burst_idx]},
            {"name": f"Dự báo (khoảng {int(hourly['interval_level'] * 100)}%)",
             "values": pad + [f["mean"] for f in fc], "dashed": True,
             "low": [0] * len(pts) + [f["low"] for f in fc],
             "high": [0] * len(pts) + [f["high"] for f in fc]}]),
        "daily": line("Số tin và sắc thái theo ngày", [_day(p["bucket"]) for p in d], [
            {"name": "Số tin", "values": [p["n"] for p in d]},
            {"name": "Tích cực", "values": [p["pos"] for p in d], "color": "#2e8b57"},
            {"name": "Tiêu cực", "values": [p["neg"] for p in d], "color": "#c0392b"}]),
    }
