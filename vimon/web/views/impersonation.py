"""Impersonation of official agencies: the flags with the imitated entity and the reasons,
and the registry of verified accounts and domains."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from vimon.detect import impersonation
from vimon.web.deps import StoreDep, require
from vimon.web.render import render

router = APIRouter(tags=["outreach"])
Reviewer = Annotated[dict[str, Any], require("review.decide")]
STATUSES = {"open": "Chờ xem xét", "confirmed": "Xác nhận mạo danh", "dismissed": "Không phải"}


def _ctx(store: Any, status: str | None) -> dict[str, Any]:
    scan = impersonation.scan(store)
    reg = impersonation.registry()
    registered = [{"key": e.key, "name": e.name, "kind": e.kind, "accounts": e.accounts,
                   "domains": e.domains} for e in reg.entities.values() if e.accounts or e.domains]
    return {"title": "Mạo danh cơ quan nhà nước", "flags": store.list_impersonation_flags(status or None),
            "status": status or "", "statuses": STATUSES, "scan": scan,
            "registry": registered, "registry_size": len(reg.entities)}


@router.get("/impersonation", include_in_schema=False)
def impersonation_page(request: Request, store: StoreDep, status: str | None = None):
    return render(request, "impersonation.html", _ctx(store, status), as_json=False)


@router.get("/impersonation.json", summary="Cờ mạo danh cơ quan / impersonation flags")
def impersonation_json(request: Request, store: StoreDep, status: str | None = None):
    return render(request, "impersonation.html", _ctx(store, status), as_json=True)


@router.post("/impersonation/{flag_id:int}/decide", include_in_schema=False)
def decide(store: StoreDep, user: Reviewer, flag_id: int,
           action: Annotated[str, Form(pattern="^(confirmed|dismissed|open)$")],
           note: Annotated[str, Form(max_length=2000)] = ""):
    store.decide_impersonation(flag_id, action, user["username"], note)
    return RedirectResponse("/impersonation", status_code=303)
