"""Spread of official items on the team's corpus: who republished what, when, how."""

from __future__ import annotations

from vimon.analysis import spread


def test_republications_of_each_official_item(loaded):
    store, ids = loaded
    sp = {s["item_id"]: s for s in spread.spread_of(store, store.official_items())}
    assert set(sp) == {ids["o1"], ids["o2"]}
    o1 = sp[ids["o1"]]
    assert [(r["source"], r["delay_hours"]) for r in o1["republications"]] == [
        ("n1", 1.0), ("p1", 2.0), ("bao-x", 3.0), ("p2", 5.0)]
    how = {r["source"]: r["how"] for r in o1["republications"]}
    assert how["n1"].startswith("dẫn link") and how["p2"].startswith("gần trùng")
    o2 = sp[ids["o2"]]
    assert [(r["source"], r["delay_hours"]) for r in o2["republications"]] == [
        ("tonghop-y", 4.0), ("p1", 24.0), ("s1", 72.0)]


def test_scorecard_timeline_and_partners(loaded):
    store, ids = loaded
    store.add_agreement({"source_id": store.get_source("p1")["id"], "starts_on": __import__("datetime").date(2026, 11, 1),
                         "topics": ["dịch vụ công"], "contact": "admin@p1.demo"}, "test")
    sp = spread.spread_of(store, store.official_items())
    card = {r["source"]: r for r in spread.scorecard(sp)}
    assert card["p1"]["republished"] == 2 and card["p1"]["partner"] is True
    assert card["p1"]["median_delay_hours"] == 13.0
    assert card["p1"]["engagement"] == 2400 + 300 + 120 + 3000 + 200 + 90
    assert card["p2"]["republished"] == 1 and card["p2"]["partner"] is False
    assert spread.scorecard(sp, partners_only=True)[0]["source"] == "p1"
    tl = {t["hours"]: t["count"] for t in spread.timeline(sp)}
    assert tl[1] == 1 and tl[3] == 3 and tl[6] == 5 and tl[24] == 6 and tl[72] == 7
