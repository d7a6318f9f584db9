"""The classify stage with the shipped models: which tasks run on which kinds, and the
ingest flag threshold for toxicity."""

from __future__ import annotations

from tests.helpers import STORY, run_rows

INSULT = "đm thằng ngu như bò, cút mẹ mày đi đồ óc chó"


def _labels(store, ext_id):
    items, _ = store.list_items(limit=50)
    item = next(i for i in items if i["external_id"] == ext_id)
    return {lb["task"]: lb for lb in store.item_labels(item["id"])}


def test_articles_skip_social_only_tasks_and_comments_get_spans(sqlite_store, settings):
    run_rows(sqlite_store, settings, [
        {"id": "a", "source": "bao", "kind": "article", "title": "Công viên mới", "text": STORY},
        {"id": "c", "source": "nhom", "kind": "comment", "text": INSULT},
    ])
    art = _labels(sqlite_store, "a")
    assert "toxicity" not in art and {"sentiment", "topic"} <= set(art)
    com = _labels(sqlite_store, "c")
    tox = com["toxicity"]
    assert tox["label"] == "offensive" and tox["model_version"]
    assert tox["spans"] and all(0 <= s < e <= len(INSULT) for s, e in tox["spans"])
    marked = " ".join(INSULT[s:e] for s, e in tox["spans"])
    assert "ngu" in marked and "óc chó" in marked
    assert 0.0 <= tox["scores"]["offensive"] <= 1.0


def test_flag_threshold_demotes_uncertain_offensive(sqlite_store, settings, monkeypatch):
    monkeypatch.setattr(settings, "toxicity_flag_threshold", 1.01)
    run_rows(sqlite_store, settings, [{"id": "c", "source": "nhom", "kind": "comment", "text": INSULT}])
    tox = _labels(sqlite_store, "c")["toxicity"]
    assert tox["label"] == "clean" and tox["spans"] is None
    assert tox["scores"]["offensive"] > 0.5  # the model's opinion is still on record


def test_classify_can_be_switched_off(sqlite_store, settings, monkeypatch):
    monkeypatch.setattr(settings, "classify_on_ingest", False)
    run_rows(sqlite_store, settings, [{"id": "c", "source": "nhom", "kind": "comment", "text": INSULT}])
    assert _labels(sqlite_store, "c") == {}


def test_item_page_explains_labels_on_demand(sqlite_store, settings):
    from vimon.web.views.pages import _item_ctx

    run_rows(sqlite_store, settings, [{"id": "c", "source": "nhom", "kind": "comment", "text": INSULT}])
    items, _ = sqlite_store.list_items()
    stored = {lb["task"]: lb for lb in sqlite_store.item_labels(items[0]["id"])}
    assert stored["toxicity"]["explanation"] is None  # not computed during ingest
    ctx = _item_ctx(sqlite_store, items[0]["id"])
    tox = next(lb for lb in ctx["labels"] if lb["task"] == "toxicity")
    words = [e["token"] for e in tox["explanation"]]
    assert "ngu" in words or "thằng" in words
    assert any(marked for _, marked in ctx["text_runs"])
