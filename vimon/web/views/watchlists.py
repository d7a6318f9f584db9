"""Watchlists and saved searches (``/watchlists``): list, create from a query or from Hanoi
entities (units old and new, agencies, public roles), remove."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from vimon.detect import gazetteer
from vimon.detect.watchlists import ACTIONS, save
from vimon.errors import VimonError
from vimon.store.querylang import QuerySyntaxError
from vimon.web.deps import StoreDep
from vimon.web.render import render

router = APIRouter()


def _ctx(store: Any, error: str | None = None, pointer: str | None = None) -> dict[str, Any]:
    g = gazetteer()
    return {"title": "Danh sách theo dõi", "watchlists": store.list_watchlists(),
            "actions": ACTIONS, "error": error, "pointer": pointer,
            "entities": [{"id": e.id, "kind": e.kind, "name": e.name} for e in g.search()]}


@router.get("/watchlists", include_in_schema=False)
def watchlists_page(request: Request, store: StoreDep):
    return render(request, "watchlists.html", _ctx(store), as_json=False)


@router.get("/watchlists.json", tags=["pages"], summary="Danh sách theo dõi")
def watchlists_json(request: Request, store: StoreDep):
    return render(request, "watchlists.html", _ctx(store), as_json=True)


@router.post("/watchlists", include_in_schema=False)
def watchlists_create(request: Request, store: StoreDep, name: str = Form(...),
                      query: str = Form(""), entities: list[str] = Form([]),
                      action: str = Form("tag"), priority: int = Form(0),
                      exact: bool = Form(False), alert: bool = Form(False)):
    user = getattr(request.state, "user", None) or {}
    try:
        save(store, name=name, query=query, entities=[e for e in entities if e] or None,
             action=action, priority=priority, exact=exact, alert=alert,
             user=user.get("username") if isinstance(user, dict) else None)
    except QuerySyntaxError as exc:
        return render(request, "watchlists.html", _ctx(store, exc.detail, exc.pointer()),
                      as_json=False)
    except VimonError as exc:
        return render(request, "watchlists.html", _ctx(store, exc.message), as_json=False)
    return RedirectResponse("/watchlists", status_code=303)


@router.post("/watchlists/{slug}/delete", include_in_schema=False)
def watchlists_delete(store: StoreDep, slug: str):
    store.delete_watchlist(slug)
    return RedirectResponse("/watchlists", status_code=303)
