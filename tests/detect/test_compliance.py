"""Aggregator compliance on the team's corpus (known answers) and on the demo's báo hóa site."""

from __future__ import annotations

from tests.outreach.corpus import load
from vimon.detect import compliance


def test_known_violations(store, settings):
    ids = load(store, settings)
    runs = {r["source"]: r for r in compliance.check_all(store)}
    assert runs["bao-x"]["articles"] == 2 and runs["bao-x"]["violating"] == 2
    assert runs["tonghop-y"]["violating"] == 0
    rep = {r["source"]: r for r in compliance.report(store)}
    bx = {o["item_id"]: {x["rule"] for x in o["rules"]} for o in rep["bao-x"]["offending"]}
    assert bx[ids["bx-1"]] == {"nguon_goc", "lien_ket_goc", "ten_kieu_bao"} - {"ten_kieu_bao"}
    assert {"khong_tu_san_xuat", "ten_kieu_bao", "nguon_goc"} <= bx[ids["bx-2"]]
    ev = next(x for o in rep["bao-x"]["offending"] if o["item_id"] == ids["bx-1"]
              for x in o["rules"] if x["rule"] == "nguon_goc")["evidence"]
    assert ev["original"]["source"] == "anbinh-ubnd" and "147/2024" in ev["explain"]
    assert rep["bao-x"]["site_findings"][0]["rule"] == "ten_kieu_bao"
    assert rep["tonghop-y"]["offending"] == [] and rep["tonghop-y"]["rate"] == 0.0
    flags = store.open_flags(kind="compliance")
    assert {f["item_id"] for f in flags} == {ids["bx-1"], ids["bx-2"]}
    compliance.check_all(store)  # idempotent: findings replaced, flags not duplicated
    assert len(store.open_flags(kind="compliance")) == len(flags)


def test_attribution_forms():
    assert compliance.attribution("Nội dung.\n(Theo Tin Thủ Đô)", None) == "tin thu do"
    assert compliance.attribution("Nội dung.\nNguồn: Đời Sống Đô Thị", None) == "doi song do thi"
    assert compliance.attribution("Theo các tiểu thương, giá rau tăng. Chợ đông.", None) is None
    assert compliance.attribution("Bài viết", {"source_name": "Báo A"}) == "Báo A"
