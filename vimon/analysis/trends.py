"""Time series from the rollups: volume and sentiment per topic, tag (watchlist/saved
search), source and district, hourly or by Hanoi day; with bursts and forecasts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np

from vimon.analysis import bursts, forecast
from vimon.analysis.facets import day_bucket, hour_bucket

DIMS = ("all", "topic", "tag", "source", "district", "kind")
DIM_LABELS = {"all": "Tất cả", "topic": "Chủ đề", "tag": "Danh sách theo dõi",
              "source": "Nguồn", "district": "Địa bàn", "kind": "Loại tin"}


def _fill(rows: list[dict[str, Any]], start: datetime, n: int, step: timedelta,
          field: str = "n") -> np.ndarray:
    y = np.zeros(n)
    for r in rows:
        i = int((r["bucket"] - start) / step)
        if 0 <= i < n:
            y[i] += r[field]
    return y


def hourly(store: Any, dim: str, key: str, start: datetime, end: datetime) -> np.ndarray:
    n = int((end - start) / timedelta(hours=1))
    return _fill(store.series("h", dim, key, start, end), start, n, timedelta(hours=1))


def series(store: Any, dim: str, key: str, *, grain: str = "d", days: int = 30,
           now: datetime) -> dict[str, Any]:
    """Zero-filled buckets with volume and sentiment counts."""
    step = timedelta(hours=1) if grain == "h" else timedelta(days=1)
    end = hour_bucket(now) + timedelta(hours=1) if grain == "h" else \
        day_bucket(now) + timedelta(days=1)
    n = days * 24 if grain == "h" else days
    start = end - n * step
    rows = store.series(grain, dim, key, start, end)
    cols = {f: _fill(rows, start, n, step, f) for f in ("n", "pos", "neg", "neu", "reach")}
    return {"dim": dim, "key": key, "grain": grain,
            "points": [{"bucket": start + i * step, **{f: int(cols[f][i]) for f in cols}}
                       for i in range(n)]}


def tracked_series(store: Any, now: datetime, per_dim: int = 5) -> list[dict[str, Any]]:
    """The series worth watching: everything, plus the busiest topics, tags, sources and
    districts of the last week."""
    out = [{"dim": "all", "key": "", "label": "Tất cả tin"}]
    since = now - timedelta(days=7)
    for dim in ("topic", "tag", "district", "source"):
        top = store.top_keys("d", dim, since, limit=per_dim)
        names = store.tag_labels(dim, [t["key"] for t in top]) if dim != "source" else {}
        out += [{"dim": dim, "key": t["key"], "label": names.get(t["key"], t["key"])}
                for t in top]
    return out


def analyse_series(store: Any, dim: str, key: str, now: datetime, *, days: int = 7,
                   horizon: int = 24, with_backtest: bool = True,
                   settings: Any = None) -> dict[str, Any]:
    """Hourly counts of the last ``days`` with burst hours, a forecast with its interval,
    and the backtest error of that forecast on this series."""
    end = hour_bucket(now) + timedelta(hours=1)
    hist_start = end - timedelta(days=forecast.HISTORY_DAYS + days)
    y = hourly(store, dim, key, hist_start, end)
    show_from = y.size - days * 24
    p = settings.burst_p_value if settings else bursts.P_VALUE
    mc = settings.burst_min_count if settings else bursts.MIN_COUNT
    found = bursts.detect(y, hist_start, from_index=show_from, p=p, min_count=mc)
    fc = forecast.forecast(y, hist_start, horizon)
    bt = forecast.backtest(y, hist_start, days=7, horizon=horizon) if with_backtest else None
    points = [{"bucket": hist_start + timedelta(hours=i), "n": int(y[i])}
              for i in range(show_from, y.size)]
    return {
        "dim": dim, "key": key, "points": points,
        "bursts": [{k: b[k] for k in ("bucket", "count", "expected", "ratio")} for b in found],
        "forecast": [{"bucket": fc["start"] + timedelta(hours=i), "mean": round(float(m), 2),
                      "low": int(lo), "high": int(hi)}
                     for i, (m, lo, hi) in enumerate(zip(fc["mean"], fc["low"], fc["high"],
                                                         strict=True))],
        "interval_level": fc["level"],
        "backtest": bt,
    }
