"""Stage ``classify``: run every active model over the batch and attach labels.

Models come from ``vimon.ml`` (the shipped defaults, or versions trained here). When the
ML package has no active model the stage does nothing, so ingest works on a bare install.
"""

from __future__ import annotations

import logging

from vimon.pipeline.stages import StageContext, register
from vimon.records import Item, Label

log = logging.getLogger(__name__)


def _predict_active():  # type: ignore[no-untyped-def]
    try:
        from vimon.ml.service import predict_active
    except ImportError:
        return None
    return predict_active


@register("classify", writes=("labels",))
def run(batch: list[Item], ctx: StageContext) -> None:
    if not ctx.settings.classify_on_ingest:
        return
    predict = _predict_active()
    todo = [it for it in batch if not it.duplicate]
    if predict is None or not todo:
        return
    size = ctx.settings.classify_batch_size
    for start in range(0, len(todo), size):
        part = todo[start : start + size]
        results = predict([it.text_norm for it in part])
        for task, preds in results.items():
            for it, p in zip(part, preds, strict=True):
                label = p.label if isinstance(p.label, str) else ",".join(p.label)
                top = max(p.scores.values()) if p.scores else None
                it.labels.append(
                    Label(task=task, label=label, score=top, scores=dict(p.scores),
                          spans=[list(s) for s in p.spans] if p.spans else None,
                          explanation=list(p.explanation) if p.explanation else None,
                          model_version=p.model_version)
                )
        ctx.stats["classified"] = ctx.stats.get("classified", 0) + len(part)
