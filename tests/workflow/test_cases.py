"""Cases: the state machine as data, supervisor approval, SLA clocks, letters, unit scope."""

from __future__ import annotations

import io

import pytest

from tests.helpers import STORY, run_rows
from vimon.workflow import cases as wf
from vimon.workflow import letters, statuses

ANALYST = {"username": "an", "role": "analyst", "active": True}
BOSS = {"username": "sep", "role": "supervisor", "active": True}
LIAISON = {"username": "lx", "role": "liaison", "unit": "dong-da", "active": True}


def test_statuses_data_is_consistent():
    ids = statuses.status_ids()
    assert ids[0] == statuses.machine()["initial"] == "new"
    assert {"verifying", "proposed", "approved", "in_progress", "resolved", "dismissed"} <= set(ids)
    assert statuses.find_transition("resolved", "verifying")["reopen"]
    assert statuses.find_transition("new", "resolved") is None


def test_full_case_flow_with_approval(store, settings):
    run_rows(store, settings, [{"id": "1", "source": "fb", "text": STORY, "url": "https://fb.example/1"}])
    cid = wf.open_case(store, ANALYST, title="Tin sai về công viên", item_ids=[1], priority="high")
    wf.transition(store, ANALYST, cid, "verifying")
    with pytest.raises(wf.WorkflowError):
        wf.transition(store, ANALYST, cid, "approved")  # only through an approved action
    aid = wf.propose_action(store, ANALYST, cid, "removal_request", {"platform": "facebook"})
    assert store.get_case(cid)["status"] == "proposed"
    with pytest.raises(wf.Forbidden):
        wf.decide_action(store, ANALYST, aid, True)  # analysts cannot approve
    wf.decide_action(store, BOSS, aid, True)
    action = store.get_action(aid)
    assert action["status"] == "approved" and store.get_case(cid)["status"] == "approved"
    clock = wf.sla_clock(action["due_at"])
    assert clock["state"] == "ok" and 23 * 3600 < clock["seconds_left"] <= 24 * 3600
    letter = letters.build(settings, store.get_case(cid), action, store.case_item_rows(cid))
    assert any("https://fb.example/1" in line for line in letter["body"])
    from docx import Document

    doc = Document(io.BytesIO(letters.render_docx(letter)))
    assert "gỡ bỏ" in "\n".join(p.text for p in doc.paragraphs)
    assert letters.render_pdf(letter, settings)[:5] == b"%PDF-"
    wf.record_outcome(store, ANALYST, aid, "Đã gửi qua kênh hợp tác", sent=True)
    assert store.get_case(cid)["status"] == "in_progress"
    with pytest.raises(wf.WorkflowError):
        wf.transition(store, ANALYST, cid, "resolved")  # needs an outcome note
    wf.transition(store, ANALYST, cid, "resolved", "Nền tảng đã gỡ bài")
    wf.transition(store, ANALYST, cid, "verifying", "Bài đăng lại")  # reopen
    actions = [e["action"] for e in store.list_audit(object_type="case", object_id=cid, limit=100)]
    for a in ("case.open", "case.transition", "action.propose", "action.approved", "action.sent"):
        assert a in actions


def test_sanction_needs_an_article_and_rejection_a_reason(store):
    cid = wf.open_case(store, ANALYST, title="Xúc phạm")
    with pytest.raises(Exception, match="Điều"):
        wf.propose_action(store, ANALYST, cid, "sanction", {})
    aid = wf.propose_action(store, ANALYST, cid, "sanction", {"article": "Điều 101 khoản 1 điểm a"})
    assert "15/2020" in store.get_action(aid)["params"]["decree"]
    with pytest.raises(wf.WorkflowError):
        wf.decide_action(store, BOSS, aid, False)
    wf.decide_action(store, BOSS, aid, False, "Chưa đủ chứng cứ")
    assert store.get_case(cid)["status"] == "verifying"


def test_liaison_sees_only_its_unit(store):
    a = wf.open_case(store, BOSS, title="Đống Đa", unit="dong-da")
    b = wf.open_case(store, BOSS, title="Hoàn Kiếm", unit="hoan-kiem")
    assert wf.get_case_for(store, LIAISON, a)["id"] == a
    with pytest.raises(wf.NotFound):
        wf.get_case_for(store, LIAISON, b)
    rows, total = store.list_cases(unit="dong-da")
    assert total == 1 and rows[0]["id"] == a


def test_attachment_names_are_made_safe():
    assert wf.safe_filename("../../etc/passwd") == "passwd"
    assert "<" not in wf.safe_filename('"><script>.png')
    assert wf.safe_filename("Ảnh chụp màn hình.png") == "Ảnh chụp màn hình.png"
