"""Aggregator ("báo hóa") compliance report: per site, over time, with offending articles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from vimon.detect import compliance
from vimon.web.deps import StoreDep
from vimon.web.render import render

router = APIRouter(tags=["outreach"])


def _ctx(store: Any, source: str | None) -> dict[str, Any]:
    runs = compliance.check_all(store)  # cheap: aggregator articles only; findings replaced
    return {"title": "Tuân thủ trang tổng hợp", "sites": compliance.report(store, source or None),
            "runs": runs, "rules": compliance.RULES, "decree": compliance.DECREE,
            "source": source or ""}


@router.get("/compliance", include_in_schema=False)
def compliance_page(request: Request, store: StoreDep, source: str | None = None):
    return render(request, "compliance.html", _ctx(store, source), as_json=False)


@router.get("/compliance.json", summary="Báo cáo tuân thủ trang tổng hợp / aggregator compliance")
def compliance_json(request: Request, store: StoreDep, source: str | None = None):
    return render(request, "compliance.html", _ctx(store, source), as_json=True)
