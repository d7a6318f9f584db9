"""Watchlist service: saved searches and entity lists that tag items, raise their priority
or route them to the review queue. The query is validated before it is saved."""

from __future__ import annotations

import re
from typing import Any

from vimon.detect import gazetteer
from vimon.errors import VimonError
from vimon.store.querylang import parse, slug

ACTIONS = ("tag", "priority", "review")


def entity_query(entity_ids: list[str]) -> str:
    g = gazetteer()
    missing = [e for e in entity_ids if e not in g.entities]
    if missing:
        raise VimonError("VM-WL-002", f"Không có thực thể / unknown entities: {', '.join(missing)}",
                         "Xem danh sách: vimon watchlists entities")
    return " OR ".join(g.entities[e].query() for e in entity_ids)


def save(store: Any, *, name: str, query: str | None = None, entities: list[str] | None = None,
         slug_: str | None = None, action: str = "tag", priority: int = 0, exact: bool = False,
         alert: bool = False, active: bool = True, user: str | None = None) -> dict[str, Any]:
    if action not in ACTIONS:
        raise VimonError("VM-WL-001", f"Hành động không hợp lệ / invalid action {action!r}",
                         f"Dùng một trong: {', '.join(ACTIONS)}")
    if entities:
        kind, text = "entities", entity_query(entities)
    else:
        kind, text = "query", (query or "").strip()
    if not text:
        raise VimonError("VM-WL-003", "Cần truy vấn hoặc danh sách thực thể / query or "
                         "entities required")
    parse(text, exact=exact)  # raises QuerySyntaxError with the position
    key = slug_ or slug(name) or "ds"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,118}", key):
        raise VimonError("VM-WL-004", f"Mã danh sách không hợp lệ / invalid slug {key!r}")
    store.save_watchlist({"slug": key, "name": name, "kind": kind, "query": text,
                          "entities": entities or None, "exact": exact, "action": action,
                          "priority": int(priority), "alert": alert, "active": active,
                          "created_by": user})
    return store.get_watchlist(key)
