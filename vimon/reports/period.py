"""The context of a period report: what was said online about the city in a day, week,
month, quarter or year (Hanoi calendar), against the period before, and what the people
handling it did (cases, actions, flags, citizen reports, debunks, alerts).

Volumes and sentiment come from the rollups (``Store.top_keys``, day grain: a bucket is the
start of a Hanoi day in naive UTC), so a year costs the same as a day; the story clusters of
the period and the work counts are read from their tables (``Store.activity_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from vimon.analysis.facets import LOCAL
from vimon.errors import InputError

KINDS = ("day", "week", "month", "quarter", "year")
KIND_LABELS = {"day": "Ngày", "week": "Tuần", "month": "Tháng", "quarter": "Quý", "year": "Năm"}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    kind: str
    first: date  # Hanoi calendar days, inclusive
    last: date

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The ``kind`` period holding ``day`` (weeks run Monday to Sunday)."""
        if kind == "day":
            return cls(kind, day, day)
        if kind == "week":
            first = day - timedelta(days=day.weekday())
            return cls(kind, first, first + timedelta(days=6))
        if kind == "month":
            first = day.replace(day=1)
        elif kind == "quarter":
            first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        elif kind == "year":
            first = date(day.year, 1, 1)
        else:
            raise InputError("VM-RP01", f"kỳ báo cáo không hợp lệ / unknown period {kind!r}",
                             "Chọn / choose: " + ", ".join(KINDS))
        months = {"month": 1, "quarter": 3, "year": 12}[kind]
        y, m = divmod(first.month - 1 + months, 12)
        return cls(kind, first, date(first.year + y, m + 1, 1) - timedelta(days=1))

    def previous(self) -> Period:
        return Period.of(self.kind, self.first - timedelta(days=1))

    @property
    def since(self) -> datetime:
        """Start of the first day, naive UTC."""
        return datetime(self.first.year, self.first.month, self.first.day) - LOCAL

    @property
    def until(self) -> datetime:
        """Start of the day after the last, naive UTC."""
        nxt = self.last + timedelta(days=1)
        return datetime(nxt.year, nxt.month, nxt.day) - LOCAL

    @property
    def label(self) -> str:
        f, last = self.first, self.last
        if self.kind == "day":
            return f"Ngày {f:%d/%m/%Y}"
        if self.kind == "week":
            return f"Tuần {f.isocalendar().week}/{f.isocalendar().year} ({f:%d/%m}–{last:%d/%m/%Y})"
        if self.kind == "month":
            return f"Tháng {f:%m/%Y}"
        if self.kind == "quarter":
            return f"Quý {_ROMAN[(f.month - 1) // 3 + 1]}/{f.year}"
        return f"Năm {f.year}"


def _totals(store: Any, p: Period) -> dict[str, int]:
    rows = store.top_keys("d", "all", p.since, limit=1, until=p.until)
    row = rows[0] if rows else {}
    return {k: int(row.get(k) or 0) for k in ("n", "pos", "neg", "neu", "reach")}


def _change(now: int, before: int) -> float | None:
    return round((now - before) / before, 3) if before else None


def _ranked(store: Any, dim: str, p: Period, limit: int) -> list[dict[str, Any]]:
    rows = store.top_keys("d", dim, p.since, limit=limit, until=p.until)
    names = store.tag_labels(dim, [r["key"] for r in rows]) if dim in ("topic", "district") else {}
    return [{"key": r["key"], "label": names.get(r["key"], r["key"]), "n": int(r["n"]),
             "pos": int(r["pos"]), "neg": int(r["neg"]), "reach": int(r["reach"])} for r in rows]


def _stories(store: Any, p: Period, prev: Period, limit: int) -> list[dict[str, Any]]:
    """The period's largest story clusters told by at least two sources, biggest first."""
    rows = store.cluster_activity(p.since, prev.since, limit=limit * 4, until=p.until)
    return [{"cluster_id": r["cluster_id"], "title": r["title"] or "", "items": r["volume"],
             "sources": r["sources"], "previous": r["previous"]}
            for r in rows if r["sources"] >= 2][:limit]


def build(store: Any, kind: str, day: date, *, now: datetime | None = None,
          limit: int = 10) -> dict[str, Any]:
    """The report's context, the same for the page, its ``.json`` twin, DOCX and XLSX
    (``now``: naive UTC; ``generated_at`` is written in Hanoi time)."""
    from vimon.plans import evaluation
    from vimon.store.base import utcnow
    from vimon.workflow import statuses

    p = Period.of(kind, day)
    prev = p.previous()
    cur, before = _totals(store, p), _totals(store, prev)
    final = [s for s in statuses.status_ids() if statuses.is_final(s)]
    work = store.activity_counts(p.since, p.until, final)
    share = {k: round(cur[k] / cur["n"], 3) if cur["n"] else 0.0 for k in ("pos", "neg", "neu")}
    return {
        "title": f"Báo cáo {KIND_LABELS[kind].lower()} — {p.label}",
        "period": {"kind": kind, "label": p.label, "first": p.first.isoformat(),
                   "last": p.last.isoformat(), "previous": prev.label},
        "generated_at": ((now or utcnow()) + LOCAL).replace(microsecond=0).isoformat(),
        "totals": cur, "previous_totals": before,
        "change": {k: _change(cur[k], before[k]) for k in ("n", "pos", "neg", "reach")},
        "share": share,
        "by_kind": _ranked(store, "kind", p, limit),
        "by_topic": _ranked(store, "topic", p, limit),
        "by_district": _ranked(store, "district", p, limit),
        "by_source": _ranked(store, "source", p, limit),
        "stories": _stories(store, p, prev, limit),
        "work": work,
        # The plans as of the period's last day; each task's line in the longer reports.
        "plans": [{**pl, "lines": pl["lines"] if kind in ("quarter", "year") else []}
                  for pl in evaluation(store, p.last)],
    }
