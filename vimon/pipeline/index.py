"""Stage ``store``: write the batch (items, bands, full-text rows, labels, clusters)."""

from __future__ import annotations

from vimon.pipeline.stages import StageContext, register
from vimon.records import Item


@register("store", writes=("id",))
def run(batch: list[Item], ctx: StageContext) -> None:
    n = ctx.store.save_batch(batch)
    ctx.stats["new"] = ctx.stats.get("new", 0) + n
    # Items a concurrent writer stored first (no id) are duplicates after all. The flag
    # itself belongs to the dedupe stage, so it is counted here, not set.
    raced = sum(1 for it in batch if not it.duplicate and it.id is None)
    ctx.stats["duplicate"] = ctx.stats.get("duplicate", 0) + raced
    touched = {it.cluster_id for it in batch if it.id and it.cluster_id}
    if touched:
        ctx.store.refresh_cluster_sources(touched)
