"""Per-item pipeline work that needs neither the database nor the other items: parsing,
normalization, the MinHash signature and classification.

A collector already runs a pool of worker processes for article extraction; with
:func:`prepare_rows` the same workers do this part too, so the process that fetches and
stores keeps only the work that needs the store (duplicate lookups, storing, analysis).
Each item records in ``Item.prepared`` what was done, and the stages skip exactly that;
an item that was not prepared goes through the full pipeline as before, so the results
are the same either way (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vimon.pipeline import classify, dedupe, normalize
from vimon.pipeline.parse import parse_record
from vimon.pipeline.stages import StageContext
from vimon.records import Item, Rejection


def _same_models(settings: Any) -> bool:
    """The model registry is found through the process's own settings: classify here only
    when it is the registry the pipeline would use."""
    from vimon.settings import get_settings

    return Path(get_settings().home).resolve() == Path(settings.home).resolve()


def prepare_items(items: list[Item], settings: Any) -> None:
    """Normalize, sign and (when the pipeline would) classify ``items`` in place."""
    ctx = StageContext(store=None, settings=settings, stats={})
    steps: list[tuple[str, Callable[[list[Item]], None]]] = [
        ("normalize", lambda todo: normalize.run(todo, ctx)),
        ("sign", lambda todo: dedupe.sign(todo, settings)),
    ]
    if settings.classify_on_ingest and _same_models(settings):
        steps.append(("classify", lambda todo: classify.run(todo, ctx)))
    for name, step in steps:
        todo = [it for it in items if name not in it.prepared]
        step(todo)
        for it in todo:
            it.prepared = it.prepared | {name}


def prepare_rows(rows: list[dict[str, Any]], origin: str, settings: Any,
                 first_line: int = 1) -> list[Item | Rejection]:
    """Rows in the ingest format → parsed and prepared items (rejections as they are), in
    order; what :func:`vimon.pipeline.ingest.ingest_records` takes."""
    out = [parse_record(row, origin, n, settings.max_text_chars)
           for n, row in enumerate(rows, start=first_line)]
    prepare_items([x for x in out if isinstance(x, Item)], settings)
    return out
