"""Stage ``analyze`` (after ``store``): facets, watchlists and rollups of each stored batch.

Its output is database rows only (item tags and stats, rollup increments, review flags,
pending alerts), so it owns no Item field: ``OWNERSHIP["analyze"] == ()``. Rollups are kept
here, incrementally, so trend queries never scan items. Imported only by the stage registry.
"""

from __future__ import annotations

from vimon.analysis.facets import rollup_rows
from vimon.analysis.ingest import analyze_items, known_sources, load_watchlists
from vimon.pipeline.stages import StageContext, register
from vimon.records import Item


@register("analyze", writes=())
def run(batch: list[Item], ctx: StageContext) -> None:
    stored = [it for it in batch if it.id is not None and not it.duplicate]
    if not stored:
        return
    sources = known_sources(ctx.state, ctx.store, {it.source for it in stored if it.source})
    rows = [{"id": it.id, "folded": it.folded, "kind": it.kind, "source": it.source,
             "author": it.author, "published_at": it.published_at, "metrics": it.metrics,
             "followers": it.followers, "extra": it.extra, "url": it.url, "title": it.title,
             "text_norm": it.text_norm, "tokens": it.tokens,
             "labels": [(lb.task, lb.label, lb.score) for lb in it.labels] if it.labels else []}
            for it in stored]
    facets, flags, alerts = analyze_items(ctx.store, rows, load_watchlists(ctx.state, ctx.store), sources)
    ctx.store.save_analysis(facets, rollup_rows(facets), flags)
    if alerts:
        from vimon.alerts.service import record_watch_alerts

        record_watch_alerts(ctx.store, alerts)
    ctx.stats["analyzed"] = ctx.stats.get("analyzed", 0) + len(facets)
