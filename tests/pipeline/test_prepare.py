"""Items prepared in another process (parse, normalize, sign, classify) are stored exactly
as items that went through the whole pipeline here."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from tests.helpers import OTHER, STORY, STORY_REWRITE, run_rows

ROWS = [
    {"id": "a1", "source": "bao", "kind": "article", "title": "Công viên mới", "text": STORY},
    {"id": "a2", "source": "bao-khac", "kind": "article", "title": "Khánh thành công viên",
     "text": STORY_REWRITE},
    {"id": "a3", "source": "bao", "kind": "article", "text": OTHER},
    {"id": "c1", "source": "nhom", "kind": "comment", "text": "đm thằng ngu ko biết gì, cút đi"},
    {"id": "c2", "source": "nhom", "kind": "comment", "text": "hay quá 👍"},
    {"id": "p1", "source": "trang", "kind": "post", "text": "Hoa\u0300 Bi\u0300nh hôm nay đẹp quá!!!"},
    {"id": "bad", "source": "trang", "kind": "post", "text": ""},
    {"id": "a1", "source": "bao", "kind": "article", "title": "Công viên mới", "text": STORY},
]


def _stored(store):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from vimon.store.schema import items

    with store.read() as conn:
        rows = conn.execute(select(items.c.id, items.c.external_id, items.c.text_norm,
                                   items.c.folded, items.c.content_hash, items.c.cluster_id,
                                   items.c.minhash)).all()
    out = {}
    for row in rows:
        labels = sorted((lb["task"], lb["label"], tuple(sorted(lb["scores"].items())))
                        for lb in store.item_labels(row.id))
        out[row.external_id] = (row.text_norm, row.folded, row.content_hash, row.cluster_id,
                                bytes(row.minhash) if row.minhash else None, labels)
    return out


def test_prepared_in_a_worker_process_stores_the_same_items(store, settings, tmp_path):
    from vimon.pipeline.ingest import ingest_records
    from vimon.pipeline.prepare import prepare_rows
    from vimon.store import open_store

    inline = open_store(f"sqlite:///{tmp_path / 'inline.sqlite'}")
    try:
        expected = run_rows(inline, settings, ROWS)
        want = _stored(inline)
    finally:
        inline.close()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        prepared = pool.submit(prepare_rows, ROWS, "test", settings).result()
    assert all(it.prepared == {"normalize", "sign", "classify"}
               for it in prepared if hasattr(it, "prepared"))
    got = ingest_records(store, settings, prepared, "test")
    assert (got.new, got.duplicate, got.rejected, got.near_duplicate) == \
        (expected.new, expected.duplicate, expected.rejected, expected.near_duplicate)
    assert got.near_duplicate == 1 and got.rejected == 1 and got.duplicate == 1
    assert _stored(store) == want
    assert want["a1"][3] == want["a2"][3]  # the rewrite joined the story's cluster
    assert {t for t, _, _ in want["c1"][5]} == {"toxicity", "sentiment", "topic"}


def test_items_prepared_without_classification_are_classified_by_the_stage(
        sqlite_store, settings, monkeypatch):
    from vimon.pipeline import prepare
    from vimon.pipeline.ingest import ingest_records

    monkeypatch.setattr(prepare, "_same_models", lambda s: False)  # another model registry
    items = prepare.prepare_rows(ROWS[:2], "test", settings)
    assert all("classify" not in it.prepared for it in items)
    ingest_records(sqlite_store, settings, items, "test")
    assert all({"sentiment", "topic"} <= {t for t, _, _ in v[5]}
               for v in _stored(sqlite_store).values())
