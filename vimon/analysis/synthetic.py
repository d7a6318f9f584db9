"""A labelled synthetic timeline (written by this team) for testing bursts and forecasts.

Hourly counts of ``n_series`` series over ``weeks`` weeks, shaped like Hanoi online
activity: quiet 1–5 h, peaks in the morning, at noon and 20–22 h; weekends differ by series;
a slow trend; negative-binomial noise; and injected bursts (2–6 hours, several hours' worth
of normal traffic on top) whose positions are returned as ground truth. Deterministic for a
given seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

START = datetime(2026, 1, 4, 17)  # Monday 2026-01-05 00:00 in Hanoi, as naive UTC
_HOD = np.array([0.35, 0.2, 0.12, 0.1, 0.12, 0.3, 0.7, 1.1, 1.4, 1.5, 1.35, 1.3, 1.45, 1.25,
                 1.05, 1.0, 1.05, 1.1, 1.15, 1.3, 1.6, 1.7, 1.4, 0.8])


@dataclass
class Series:
    counts: np.ndarray
    bursts: list[tuple[int, int]] = field(default_factory=list)  # (first, last) hour index
    level: float = 0.0


def timeline(n_series: int = 24, weeks: int = 8, bursts_per_series: int = 4,
             warmup_weeks: int = 2, seed: int = 20261124) -> list[Series]:
    rng = np.random.default_rng(seed)
    n = weeks * 168
    hours = np.arange(n) % 24
    days = (np.arange(n) // 24) % 7
    out = []
    for _ in range(n_series):
        level = float(np.exp(rng.uniform(np.log(2), np.log(40))))
        hod = _HOD * np.exp(rng.normal(0, 0.1, 24))
        hod /= hod.mean()
        weekend = rng.uniform(0.7, 1.25)
        dow = np.array([1, 1, 1, 1, 1, weekend, weekend]) * np.exp(rng.normal(0, 0.05, 7))
        dow /= dow.mean()
        trend = 1 + rng.uniform(-0.2, 0.2) * np.arange(n) / n
        mu = level * hod[hours] * dow[days] * trend
        spans = []
        lo = warmup_weeks * 168
        slots = np.sort(rng.choice(np.arange(lo, n - 8, 36), bursts_per_series, replace=False))
        for s0 in slots:
            s0 = int(s0 + rng.integers(0, 24))
            dur = int(rng.integers(2, 7))
            size = max(rng.uniform(2.0, 5.0) * level, 6.0)
            shape = np.sin(np.linspace(0.3, np.pi - 0.3, dur))
            mu[s0:s0 + dur] += size * shape / shape.max()
            spans.append((s0, s0 + dur - 1))
        phi = rng.uniform(0.02, 0.08)
        r = 1 / phi
        counts = rng.negative_binomial(r, r / (r + mu))
        out.append(Series(counts.astype(float), spans, level))
    return out
