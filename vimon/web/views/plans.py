"""Plans and their progress (``/plans``): every task with its latest report as of a day,
overdue tasks marked; staff with ``plan.write`` record progress (audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from vimon.analysis.facets import local_day, local_today
from vimon.errors import InputError, VimonError
from vimon.plans import STATUSES, evaluation, record_progress
from vimon.web.deps import StoreDep, require
from vimon.web.render import render

router = APIRouter()


def _day(value: str | None) -> date:
    try:
        return local_day(value, "VM-PL04")
    except InputError as exc:
        raise HTTPException(400, exc.message) from None


def _ctx(request: Request, store: Any, as_of: date, error: str | None = None) -> dict[str, Any]:
    from vimon.auth.roles import can

    user = getattr(request.state, "user", None)
    return {"title": "Thực hiện kế hoạch", "as_of": as_of.isoformat(),
            "plans": evaluation(store, as_of), "statuses": STATUSES, "error": error,
            "can_write": bool(user) and can(user, "plan.write")}


@router.get("/plans", include_in_schema=False)
def plans_page(request: Request, store: StoreDep, as_of: str | None = None):
    return render(request, "plans.html", _ctx(request, store, _day(as_of)), as_json=False)


@router.get("/plans.json", tags=["pages"], summary="Thực hiện kế hoạch (dữ liệu)")
def plans_json(request: Request, store: StoreDep, as_of: str | None = None):
    return render(request, "plans.html", _ctx(request, store, _day(as_of)), as_json=True)


@router.post("/plans/progress", include_in_schema=False)
def plans_progress(request: Request, store: StoreDep, user: dict = require("plan.write"),  # type: ignore[type-arg]
                   plan: str = Form(...), code: str = Form(...), status: str = Form(...),
                   value: str = Form(""), note: str = Form(""), as_of: str = Form("")):
    day = _day(as_of or None)
    try:
        number = float(value.replace(",", ".")) if value.strip() else None
    except ValueError:
        return render(request, "plans.html", _ctx(request, store, local_today(),
                      f"Giá trị không phải số / not a number: {value[:40]!r}"), as_json=False)
    try:
        record_progress(store, plan, code, status, user["username"], as_of=day, value=number,
                        note=note.strip()[:2000] or None)
    except VimonError as exc:
        return render(request, "plans.html", _ctx(request, store, local_today(), exc.message),
                      as_json=False)
    return RedirectResponse("/plans", status_code=303)
