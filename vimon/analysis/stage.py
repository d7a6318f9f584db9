"""Stage ``analyze`` (after ``store``): facets, watchlists and rollups of each stored batch.

Its output is database rows only (item tags and stats, rollup increments, review flags,
pending alerts), so it owns no Item field: ``OWNERSHIP["analyze"] == ()``. Rollups are kept
here, incrementally, so trend queries never scan items. Imported only by the stage registry.

A large ingest (past ``analyze_process_after`` items) hands the work to a helper process
(``vimon.analysis.process``), which the runner waits for when it closes.
"""

from __future__ import annotations

from typing import Any

from vimon.analysis.facets import rollup_rows
from vimon.analysis.ingest import analyze_items, known_sources, load_watchlists
from vimon.pipeline.stages import StageContext, register
from vimon.records import Item

PROCESS = "analyze:process"


@register("analyze", writes=())
def run(batch: list[Item], ctx: StageContext) -> None:
    stored = [it for it in batch if it.id is not None and not it.duplicate]
    if not stored:
        return
    proc = ctx.state.get(PROCESS)
    if proc is None and _wants_process(ctx, len(stored)):
        proc = _start_process(ctx)
    if proc is not None:
        proc.submit([it.id for it in stored])
        return
    rows = [{"id": it.id, "folded": it.folded, "kind": it.kind, "source": it.source,
             "author": it.author, "published_at": it.published_at, "metrics": it.metrics,
             "followers": it.followers, "extra": it.extra, "url": it.url, "title": it.title,
             "text_norm": it.text_norm,
             "labels": [(lb.task, lb.label, lb.score) for lb in it.labels]} for it in stored]
    n = analyze_stored(ctx.store, ctx.state, rows)
    ctx.stats["analyzed"] = ctx.stats.get("analyzed", 0) + n


def analyze_stored(store: Any, state: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    """Analyse stored items given as rows (``AnalysisQueries.items_for_analysis`` form) and
    save the results in one transaction; the number of items."""
    if not rows:
        return 0
    sources = known_sources(state, store, {r["source"] for r in rows if r["source"]})
    facets, flags, alerts = analyze_items(store, rows, load_watchlists(state, store), sources)
    store.save_analysis(facets, rollup_rows(facets), flags)
    if alerts:
        from vimon.alerts.service import record_watch_alerts

        record_watch_alerts(store, alerts)
    return len(facets)


def _wants_process(ctx: StageContext, n: int) -> bool:
    after = int(getattr(ctx.settings, "analyze_process_after", 0) or 0)
    seen = ctx.state["analyze:seen"] = ctx.state.get("analyze:seen", 0) + n
    return after > 0 and seen > after and ctx.store.url != "sqlite://" \
        and ":memory:" not in ctx.store.url


def _start_process(ctx: StageContext) -> Any:
    from vimon.analysis.process import AnalyzerProcess

    proc = ctx.state[PROCESS] = AnalyzerProcess(ctx.store.url)

    def finish() -> None:
        ctx.state.pop(PROCESS, None)
        n, left = proc.close()
        for start in range(0, len(left), 1000):  # the helper failed: finish here
            n += analyze_stored(ctx.store, ctx.state,
                                ctx.store.items_for_analysis_ids(left[start:start + 1000]))
        ctx.stats["analyzed"] = ctx.stats.get("analyzed", 0) + n

    ctx.closers.append(finish)
    return proc
