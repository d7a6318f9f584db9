"""Stages ``facets`` (before ``store``), ``analyze`` and ``rollup`` (after it): facets,
watchlists and rollups of each batch.

``facets`` is CPU work only (topics, districts, reach, risk, watchlist matches) and runs
with the other CPU stages, so with an overlapping runner it proceeds while the previous
batch is being written; it leaves ``(Facets, flags, alerts)`` on ``Item.facets``.
``analyze`` runs in the batch's write transaction once items have ids: it stamps the ids and
saves item tags and stats, review flags and pending alerts. An item that reaches ``analyze``
without facets (a pipeline built without the ``facets`` stage) gets them there. ``rollup``
then adds the batch to the hourly and daily rollups, summed by the database from those tags
and stats (so it needs ``analyze`` before it), in the same transaction: trend queries never
scan items. Both write database rows only, so their ``OWNERSHIP`` is empty. Imported only by
the stage registry.
"""

from __future__ import annotations

from typing import Any

from vimon.analysis.ingest import analyze_row, known_sources, load_watchlists
from vimon.pipeline.stages import StageContext, register
from vimon.records import Item
from vimon.store.base import utcnow


def _row(it: Item) -> dict[str, Any]:
    return {"id": it.id or 0, "folded": it.folded, "kind": it.kind, "source": it.source,
            "author": it.author, "published_at": it.published_at, "metrics": it.metrics,
            "followers": it.followers, "extra": it.extra, "url": it.url, "title": it.title,
            "text_norm": it.text_norm, "tokens": it.tokens,
            "labels": [(lb.task, lb.label, lb.score) for lb in it.labels] if it.labels else []}


def _facets_of(items: list[Item], ctx: StageContext) -> list[tuple[Any, list, list]]:
    """``(Facets, review flags, alert rows)`` of each item (ids not stamped yet)."""
    if not items:
        return []
    sources = known_sources(ctx.state, ctx.store, {it.source for it in items if it.source})
    watch = load_watchlists(ctx.state, ctx.store)
    now = utcnow()
    return [analyze_row(_row(it), watch, sources, now) for it in items]


@register("facets", writes=("facets",))
def run_facets(batch: list[Item], ctx: StageContext) -> None:
    todo = [it for it in batch if not it.duplicate]
    for it, facets in zip(todo, _facets_of(todo, ctx), strict=True):
        it.facets = facets


@register("analyze", writes=())
def run(batch: list[Item], ctx: StageContext) -> None:
    stored = [it for it in batch if it.id is not None and not it.duplicate]
    if not stored:
        return
    pending = [it for it in stored if it.facets is None]  # no facets stage in this pipeline
    late = dict(zip(map(id, pending), _facets_of(pending, ctx), strict=True))
    # Sources first seen in this batch got their ids in the store step (same transaction).
    sources = known_sources(ctx.state, ctx.store, {it.source for it in stored if it.source})
    facets, ids, flags, alerts = [], [], [], []
    for it in stored:  # ids beside the facets: Item.facets itself is the facets stage's
        f, fl, al = it.facets if it.facets is not None else late[id(it)]
        sid = f.source_id
        if sid is None and it.source:
            sid = sources.get(it.source, (None, None))[0]
        facets.append(f)
        ids.append((it.id, sid))
        if fl:
            flags += [{**row, "item_id": it.id} for row in fl]
        if al:
            alerts += [{**row, "item_id": it.id} for row in al]
    ctx.store.save_analysis(facets, flags, ids)
    if alerts:
        from vimon.alerts.service import record_watch_alerts

        record_watch_alerts(ctx.store, alerts)
    ctx.stats["analyzed"] = ctx.stats.get("analyzed", 0) + len(facets)


@register("rollup", writes=())
def run_rollup(batch: list[Item], ctx: StageContext) -> None:
    """Hourly and daily rollup increments of the batch's new items, from the tags and stats
    ``analyze`` saved (same transaction): what trend queries read instead of items."""
    ids = [it.id for it in batch if it.id is not None and not it.duplicate]
    if ids:
        ctx.store.add_rollups(ids)
