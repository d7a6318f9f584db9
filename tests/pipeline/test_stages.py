"""Stage ownership is checked when a pipeline is built and, in checked mode, when it runs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from vimon.errors import VimonError
from vimon.pipeline import stages
from vimon.pipeline.parse import parse_row
from vimon.pipeline.runner import InlineRunner
from vimon.records import Item, Rejection


def test_checked_runner_passes_for_builtin_stages(sqlite_store, settings):
    runner = InlineRunner(sqlite_store, settings, checked=True)
    batch = [Item(text="Xin chào Hà Nội, hôm nay trời đẹp quá mọi người ơi", source="s", external_id="1")]
    runner.run(batch)
    runner.close()
    assert batch[0].id is not None and runner.stats["new"] == 1


def test_a_stage_writing_outside_its_part_is_caught(sqlite_store, settings, monkeypatch):
    real = stages.get_stage("normalize")

    def rogue(batch, ctx):
        real.run(batch, ctx)
        for it in batch:
            it.cluster_id = "stolen"  # owned by dedupe

    monkeypatch.setitem(stages._REGISTRY, "normalize", stages.Stage("normalize", rogue, real.writes))
    runner = InlineRunner(sqlite_store, settings, ("normalize",), checked=True)
    with pytest.raises(VimonError) as exc:
        runner.run([Item(text="abc")])
    assert "cluster_id" in str(exc.value)


def test_declared_writes_must_match_ownership(monkeypatch):
    real = stages.get_stage("dedupe")
    monkeypatch.setitem(stages._REGISTRY, "dedupe", stages.Stage("dedupe", real.run, ("labels",)))
    with pytest.raises(VimonError):
        stages.build(["dedupe"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
row_strategy = st.dictionaries(
    st.sampled_from(["text", "id", "source", "kind", "url", "title", "published_at", "metrics",
                     "followers", "extra", "parent_id", "author", "lang"]),
    json_values, max_size=8,
)


@hsettings(max_examples=300, deadline=None)
@given(row=st.one_of(row_strategy, json_values))
def test_parse_row_never_raises(row):
    out = parse_row(row, "fuzz", 1, b"raw", 1000)
    assert isinstance(out, Item | Rejection)
    if isinstance(out, Rejection):
        assert out.reason and out.reason_code
    else:
        assert out.text.strip()


def test_item_a_concurrent_writer_stored_first_counts_as_duplicate(sqlite_store, settings):
    """The store stage may lose the insert race for a key dedupe saw as new; it counts the
    item as a duplicate without writing outside its part of the record (checked mode)."""
    text = "Tin đăng trùng khóa do hai tiến trình cùng ghi một lúc, kiểm tra đếm trùng"
    first = InlineRunner(sqlite_store, settings)
    first.run([Item(text=text, source="s", external_id="same")])
    runner = InlineRunner(sqlite_store, settings, ("normalize", "dedupe", "store"), checked=True)
    late = Item(text=text, source="s", external_id="same")
    stages.get_stage("normalize").run([late], runner.ctx)
    stages.get_stage("dedupe").run([late], runner.ctx)
    late.duplicate = False  # as if dedupe ran before the other writer committed
    before = dict(runner.stats)
    stages.run_checked(stages.get_stage("store"), [late], runner.ctx)
    assert late.id is None and late.duplicate is False
    assert runner.stats.get("duplicate", 0) - before.get("duplicate", 0) == 1
    assert runner.stats.get("new", 0) == before.get("new", 0)
    assert sqlite_store.count_items() == 1


def test_signatures_equal_fresh_datasketch_minhashes_across_threads():
    """The reused per-thread MinHash gives exactly the signatures of new MinHash objects."""
    import threading
    import zlib

    import numpy as np
    from datasketch import MinHash

    from vimon.pipeline.dedupe import shingles, signatures

    texts = [shingles(t, 3) for t in ("ha noi mua to ngap sau pho hue", "gia dien tang tu thang sau",
                                      "mot hai ba bon nam sau bay tam")]
    want = np.vstack([m.hashvalues.astype(np.uint32)
                      for m in MinHash.bulk(texts, num_perm=128, hashfunc=zlib.crc32)])
    got: list = []
    ts = [threading.Thread(target=lambda: got.append(signatures(texts, 128))) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(got) == 3 and all((g == want).all() for g in got)
    assert (signatures(texts[1:2], 128)[0] == want[1]).all()


def test_bulk_runs_tune_and_restore_gc_and_gil_switching():
    """A bulk ingest run collects garbage in larger steps and switches threads more often,
    and puts both back afterwards, also when runs nest (API requests during a file load)."""
    import gc
    import sys

    from vimon.pipeline.ingest import BULK_SWITCH_INTERVAL, bulk_run

    before = (gc.get_threshold(), sys.getswitchinterval())
    with bulk_run():
        assert gc.get_threshold()[0] == 50_000
        assert sys.getswitchinterval() <= BULK_SWITCH_INTERVAL + 1e-9
        with bulk_run():
            pass
        assert gc.get_threshold()[0] == 50_000  # the inner run does not restore early
    assert (gc.get_threshold(), sys.getswitchinterval()) == before


def test_analyze_without_the_facets_stage_saves_the_same_rows(tmp_path, settings):
    """Facets are computed before ``store`` normally; a pipeline built without the
    ``facets`` stage gets them in ``analyze`` instead, with the same tags and stats, and
    leaves ``Item.facets`` alone (checked mode)."""
    import sqlalchemy as sa

    from tests.helpers import OTHER, STORY
    from vimon.store import open_store

    def saved(plan: tuple[str, ...], name: str) -> tuple[list, list]:
        store = open_store(f"sqlite:///{tmp_path / name}")
        runner = InlineRunner(store, settings, plan, checked=True)
        runner.run([Item(text=STORY, source="tin-ba-dinh", external_id="1", kind="article"),
                    Item(text=OTHER, source="nhom-cu-dan", external_id="2",
                         metrics={"likes": 40, "shares": 3})])
        runner.close()
        with store.read() as conn:
            tags = conn.execute(sa.text("SELECT item_id, kind, key FROM item_tags "
                                        "ORDER BY 1, 2, 3")).all()
            stats = conn.execute(sa.text("SELECT item_id, source_id, reach, risk, priority "
                                         "FROM item_stats ORDER BY 1")).all()
        store.close()
        return [tuple(r) for r in tags], [tuple(r) for r in stats]

    early = saved(("normalize", "dedupe", "classify", "facets", "store", "analyze"), "a.sqlite")
    late = saved(("normalize", "dedupe", "classify", "store", "analyze"), "b.sqlite")
    assert early == late
    assert len(early[1]) == 2 and all(sid is not None for _, sid, *_ in early[1])
    assert any(kind == "district" for _, kind, _ in early[0])
