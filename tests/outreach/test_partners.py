"""Partner ranking on the team's corpus: known order, eligibility and explanations."""

from __future__ import annotations

from datetime import datetime

from vimon.analysis import partners

NOW = datetime(2026, 11, 20)


def test_ranking_order_and_eligibility(loaded, settings):
    store, _ = loaded
    rows = partners.rank(store, settings, now=NOW)
    order = [r["source"] for r in rows]
    assert order[:3] == ["p1", "p2", "n1"]
    by = {r["source"]: r for r in rows}
    assert by["s1"]["eligible"] is False and "50.000" in by["s1"]["blockers"][0]
    assert by["p1"]["eligible"] and by["p2"]["eligible"] and by["n1"]["eligible"]
    assert by["n1"]["components"]["clean"] == 0.0  # 2 offensive of 4 posts+comments
    assert by["p1"]["components"]["positive"] == 1.0
    assert by["p1"]["components"]["growth"] > 0.5  # 118k -> 121k
    assert "anbinh-ubnd" not in order  # official pages are not candidates
    assert all(set(r["why"]) == set(partners.WEIGHTS) for r in rows)


def test_topic_fit_and_impostor_blocked(loaded, settings):
    store, ids = loaded
    rows = partners.rank(store, settings, now=NOW, topics=["giáo dục"])
    assert all(r["components"]["topic_fit"] == 0.0 for r in rows if r["posts"])
    store.save_impersonation_flags([{"subject_type": "source", "subject": "p2",
                                     "source_id": store.get_source("p2")["id"], "entity_key": "x",
                                     "entity_name": "X", "score": 0.9, "reasons": []}])
    by = {r["source"]: r for r in partners.rank(store, settings, now=NOW)}
    assert not by["p2"]["eligible"] and "mạo danh" in by["p2"]["blockers"][0]
