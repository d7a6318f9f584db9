"""Facets, watchlists and rollups of stored items: the work of the ``analyze`` stage
(``vimon.analysis.stage``) and of ``rebuild``.

The stage writes no field of the Item (its output is database rows: item tags and stats, hourly and
daily rollup increments, review flags and pending alerts), so ``OWNERSHIP["analyze"]`` is
empty. Rollups are maintained here, incrementally, so trend queries never scan items.
"""

from __future__ import annotations

from typing import Any

from vimon.analysis.facets import Facets, compute
from vimon.analysis.matching import Doc, matches
from vimon.store.base import utcnow
from vimon.text.fold import fold_tokens


def load_watchlists(state: dict[str, Any], store: Any) -> list[tuple[dict[str, Any], Any]]:
    """Active watchlists with their parsed queries, loaded once per run."""
    cached = state.get("analyze:watchlists")
    if cached is None:
        from vimon.store.querylang import QuerySyntaxError, parse

        cached = []
        for w in store.list_watchlists(active_only=True):
            try:
                cached.append((w, parse(w["query"], exact=bool(w["exact"]))))
            except QuerySyntaxError:
                continue  # saved through the service, which validates; never stop ingest
        state["analyze:watchlists"] = cached
    return cached


def known_sources(state: dict[str, Any], store: Any, keys: set[str]) -> dict[str, tuple[int, str | None]]:
    known = state.get("analyze:sources")
    if known is None or not keys <= known.keys():
        known = store.analysis_sources()
        state["analyze:sources"] = known
    return known


def apply_watchlists(f: Facets, doc: Doc, watch: list[tuple[dict[str, Any], Any]],
                     now: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Tag the item for each matching watchlist; return (review flags, alert rows)."""
    flags: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    if not watch:
        return flags, alerts
    doc.tags = {k: set(v) for k, v in f.tags.items()}
    for w, q in watch:
        if not matches(q, doc):
            continue
        f.add("tag", w["slug"])
        f.priority = max(f.priority, int(w["priority"] or 0))
        if w["action"] == "review":
            flags.append({"item_id": f.item_id, "kind": "watchlist", "ref": f"watchlist:{w['slug']}",
                          "score": 1.0, "detail": {"watchlist": w["slug"], "name": w["name"],
                                                   "query": w["query"]},
                          "status": "open", "created_at": now})
        if w["alert"]:
            alerts.append({"kind": "watch", "subject": w["slug"], "item_id": f.item_id,
                           "name": w["name"]})
    return flags, alerts


def analyze_row(r: dict[str, Any], watch: list, sources: dict, now: Any
                ) -> tuple[Facets, list[dict], list[dict]]:
    """Facets (+ watchlist tags), review flags and alert rows of one item given as a plain row."""
    sid, sdistrict = sources.get(r["source"], (None, None)) if r["source"] else (None, None)
    toks = r.get("tokens") or fold_tokens(r["folded"])
    f = compute(r["id"], folded=r["folded"], kind=r["kind"], source=r["source"],
                source_id=sid, source_district=sdistrict, author=r["author"],
                published_at=r["published_at"], fallback_at=r.get("collected_at") or now,
                metrics=r["metrics"], followers=r["followers"], extra=r["extra"],
                labels=r["labels"], tokens=toks)
    if not watch:
        return f, [], []
    doc = Doc(r["folded"], f"{r.get('title') or ''} {r['text_norm']}", r["source"],
              r["kind"], r.get("url"), r["published_at"],
              labels={(t, lb) for t, lb, _ in r["labels"]})  # tokens: Doc splits on first use
    fl, al = apply_watchlists(f, doc, watch, now)
    return f, fl, al


def analyze_items(store: Any, rows: list[dict[str, Any]], watch: list, sources: dict,
                  settings: Any = None) -> tuple[list[Facets], list[dict], list[dict]]:
    """Facets (+ watchlist tags) of stored items given as plain rows, with all their flags
    and alerts; used by ``rebuild``."""
    now = utcnow()
    facets: list[Facets] = []
    all_flags: list[dict] = []
    all_alerts: list[dict] = []
    for r in rows:
        f, fl, al = analyze_row(r, watch, sources, now)
        facets.append(f)
        all_flags += fl
        all_alerts += al
    return facets, all_flags, all_alerts


def rebuild(store: Any, batch_size: int = 5000) -> int:
    """Recompute item tags, stats and rollups of every stored item (after a bulk load, a
    model change or a new watchlist). Returns the number of items."""
    store.clear_analysis()
    watch = load_watchlists({}, store)
    sources = store.analysis_sources()
    after, total = 0, 0
    while True:
        rows = store.items_for_analysis(after, batch_size)
        if not rows:
            return total
        facets, flags, _ = analyze_items(store, rows, watch, sources)
        with store.write():  # a batch's tags, stats and rollups together
            store.save_analysis(facets, [])
            store.add_rollups([f.item_id for f in facets])
        after = rows[-1]["id"]
        total += len(rows)
