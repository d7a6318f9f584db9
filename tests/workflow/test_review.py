"""The review queue: flags from model labels and debunk matches, risk × reach ordering,
decisions kept as training labels."""

from __future__ import annotations

from sqlalchemy import insert

from tests.helpers import OTHER, STORY, run_rows
from vimon.store.base import utcnow
from vimon.store.schema import labels
from vimon.workflow import review

ANALYST = {"username": "an", "role": "analyst", "active": True}


def _label(store, item_id: int, score: float) -> None:
    with store.write() as conn:
        conn.execute(insert(labels).values(
            item_id=item_id, task="toxicity", label="offensive", score=score,
            scores={"offensive": score, "clean": 1 - score}, spans=[[0, 4]], origin="model",
            model_version="toxicity-v1", created_at=utcnow()))


def test_flags_are_ordered_by_risk_times_reach_and_decisions_become_labels(store, settings):
    settings.classify_on_ingest = False  # labels below are set by hand, not by the shipped models
    run_rows(store, settings, [
        {"id": "a", "source": "s", "text": STORY, "followers": 10, "metrics": {"likes": 1}},
        {"id": "b", "source": "s", "text": OTHER, "followers": 500_000,
         "metrics": {"likes": 9000, "shares": 3000}},
    ])
    _label(store, 1, 0.95)
    _label(store, 2, 0.80)
    _label(store, 2, 0.10)  # under the threshold: not a flag
    assert review.sync_flags(store, settings) == 2
    assert review.sync_flags(store, settings) == 0  # incremental
    rows, total = review.queue(store)
    assert total == 2 and [r["target_id"] for r in rows] == [2, 1]  # reach outweighs risk
    top = rows[0]["flags"][0]
    assert top["detail"]["spans"] == [[0, 4]] and top["detail"]["model_version"] == "toxicity-v1"
    assert review.decide(store, ANALYST, [rows[1]["flags"][0]["id"]], "dismiss") == 1
    assert review.decide(store, ANALYST, [top["id"]], "confirm") == 1
    got = {(lb["item_id"], lb["label"]) for lb in store.item_labels(1) + store.item_labels(2)
           if lb["origin"] == "review"}
    assert got == {(1, "clean"), (2, "offensive")}
    assert review.queue(store)[1] == 0


def test_new_items_matching_a_debunk_are_flagged_with_an_explanation(store, settings):
    from vimon.portal import debunks

    settings.classify_on_ingest = False
    boss = {"username": "sep", "role": "supervisor", "active": True}
    res = debunks.publish(store, settings, boss, claim="Hà Nội cấm xe máy từ ngày 1 tháng 12",
                          verdict="tin_gia", correction="Không có quy định này.", sources=[])
    run_rows(store, settings, [{"id": "x", "source": "nhom", "text":
                                "Nghe nói Hà Nội cấm xe máy từ ngày 1 tháng 12, thật không mọi người?"}])
    assert review.sync_flags(store, settings) == 1
    rows, _ = review.queue(store, kind="match")
    flag = rows[0]["flags"][0]
    assert flag["ref"] == f"debunk:{res['id']}" and "cụm từ" in flag["detail"]["explanation"]
