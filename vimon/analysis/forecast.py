"""Short-term forecast of an hourly series with a prediction interval, and its backtest.

The forecast is the seasonal baseline (``seasonal.fit``: level × hour-of-day × weekday,
robust to past bursts) projected ``horizon`` hours ahead; the interval is the negative
binomial quantile band with the fitted overdispersion (default 80 %).

The backtest rolls the origin over the last ``days`` Hanoi midnights: fit on the weeks
before, forecast the next ``horizon`` hours, compare with what came. Its error is reported
as MAE and as MASE against the seasonal-naive forecast (same hour one week earlier) on the
same points, so MASE < 1 means "better than copying last week", plus the interval coverage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy import stats

from vimon.analysis import seasonal

SEASON = 168  # hours: the seasonal-naive reference repeats last week's same hour
HISTORY_DAYS = 28


def interval(mean: np.ndarray, phi: float, level: float) -> tuple[np.ndarray, np.ndarray]:
    a = (1 - level) / 2
    if phi <= 1e-6:
        return stats.poisson.ppf(a, mean), stats.poisson.ppf(1 - a, mean)
    r = 1.0 / phi
    q = r / (r + mean)
    return stats.nbinom.ppf(a, r, q), stats.nbinom.ppf(1 - a, r, q)


def forecast(counts: np.ndarray, start: datetime, horizon: int = 24,
             level: float = 0.8, history_days: int = HISTORY_DAYS) -> dict[str, Any]:
    """Forecast the ``horizon`` hours after ``counts`` (hourly, beginning at ``start``)."""
    y = np.asarray(counts, dtype=float)
    lo = max(0, y.size - 24 * history_days)
    base = seasonal.fit(y[lo:], start + timedelta(hours=lo))
    t0 = start + timedelta(hours=y.size)
    mean = base.expected(t0, horizon)
    low, high = interval(mean, base.phi, level)
    return {"start": t0, "mean": mean, "low": low, "high": high, "level": level}


def backtest(counts: np.ndarray, start: datetime, days: int = 14, horizon: int = 24,
             level: float = 0.8) -> dict[str, Any]:
    y = np.asarray(counts, dtype=float)
    offset = (start + seasonal.LOCAL).hour
    origins = [t for t in range(SEASON, y.size - horizon + 1) if (offset + t) % 24 == 0]
    origins = origins[-days:]
    err_model, err_naive, covered, total = [], [], 0, 0
    for t in origins:
        f = forecast(y[:t], start, horizon, level)
        actual = y[t:t + horizon]
        naive = y[t - SEASON:t - SEASON + horizon]
        err_model.append(np.abs(actual - f["mean"]))
        err_naive.append(np.abs(actual - naive))
        covered += int(((actual >= f["low"]) & (actual <= f["high"])).sum())
        total += actual.size
    if not origins:
        return {"origins": 0, "mae": None, "mae_naive": None, "mase": None, "coverage": None}
    mae = float(np.mean(np.concatenate(err_model)))
    mae_naive = float(np.mean(np.concatenate(err_naive)))
    return {"origins": len(origins), "horizon": horizon, "mae": mae, "mae_naive": mae_naive,
            "mase": mae / mae_naive if mae_naive > 0 else None,
            "coverage": covered / total, "level": level}
