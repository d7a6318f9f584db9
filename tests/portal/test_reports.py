"""Citizen reports: merging, tickets, proof of work, rate limits, contact data retention."""

from __future__ import annotations

import pytest

from tests.helpers import STORY, STORY_REWRITE, run_rows
from vimon.auth.ratelimit import RateLimiter, network_of
from vimon.auth.secrets import ContactCipher, secret_key
from vimon.portal import reports as rp
from vimon.portal.pow import Challenges, solve


def _submit(store, settings, **kw):
    return rp.submit(store, settings, rp.Submission(category="tin_sai", **kw), "net",
                     ContactCipher(secret_key(settings)))


def test_same_link_and_near_duplicate_text_merge_into_one_case(store, settings):
    run_rows(store, settings, [{"id": "9", "source": "fb", "text": STORY,
                                "url": "https://www.facebook.com/page/posts/9"}])
    a = _submit(store, settings, url="http://m.facebook.com/page/posts/9/?utm_source=x")
    assert not a["merged"] and [i["id"] for i in store.case_item_rows(a["case_id"])] == [1]
    b = _submit(store, settings, text=STORY_REWRITE)  # no link, the text of a rewrite
    c = _submit(store, settings, url="https://facebook.com/page/posts/9")
    assert b["merged"] and c["merged"] and a["case_id"] == b["case_id"] == c["case_id"]
    d = _submit(store, settings, text="Một chuyện hoàn toàn khác về giá điện tháng này ở Cầu Giấy")
    assert d["case_id"] != a["case_id"]
    t = rp.ticket_status(store, a["ticket"])
    assert t["status_label"] == "Đã tiếp nhận" and "contact" not in t


def test_bad_input_is_refused_with_a_reason(store, settings):
    for kw, code in ((dict(), "VM-RPT-001"), (dict(url="javascript:alert(1)"), "VM-RPT-003"),
                     (dict(text="x", contact="0901234567"), "VM-RPT-007"),
                     (dict(text="x", screenshot=b"GIF89a-not-really"), "VM-RPT-012")):
        with pytest.raises(rp.ReportError) as exc:
            _submit(store, settings, **kw)
        assert exc.value.code == code


def test_contact_is_encrypted_audited_and_purged(store, settings):
    from datetime import timedelta

    from vimon.store.base import utcnow

    r = _submit(store, settings, text="Lừa đảo trúng thưởng", contact="0912 345 678", consent=True)
    rep = store.get_report(ticket=r["ticket"])
    assert "0912" not in rep["contact_enc"]
    enc = store.report_contact(rep["id"], "sep")
    assert ContactCipher(secret_key(settings)).decrypt(enc) == "0912 345 678"
    assert store.list_audit(object_type="report")[0]["action"] == "personal_data.view"
    assert store.purge_contacts(utcnow() - timedelta(days=1), "cli") == 0
    assert store.purge_contacts(utcnow() + timedelta(seconds=1), "cli") == 1
    assert store.get_report(ticket=r["ticket"])["contact_enc"] is None


def test_proof_of_work_is_checked_and_spent_once():
    ch = Challenges()
    key = b"k" * 32
    c = ch.issue(key, 8)
    assert ch.check(key, c, "0", 8) in ("wrong_answer", None)
    c = ch.issue(key, 8)
    answer = solve(c, 8)
    assert ch.check(key, c, answer, 8) is None
    assert ch.check(key, c, answer, 8) == "replayed"
    assert ch.check(key, c.replace(c.split(".")[2], "1", 1), answer, 8) in ("bad_signature", "malformed")
    assert ch.check(key, ch.issue(key, 4), "1", 8) == "too_easy"


def test_rate_limiter_and_networks():
    lim = RateLimiter(3, 60)
    assert [lim.hit("a", now=10.0) for _ in range(4)] == [True, True, True, False]
    assert lim.hit("b", now=10.0)
    assert lim.hit("a", now=200.0)  # two windows later
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:1:2::5") == "2001:db8:1::/48"


def test_group_commit_writer_stores_each_report_once_and_isolates_a_failing_one(store, settings):
    """Reports queued together share transactions; every caller gets its own result, the same
    story still merges into one case, and a report that fails to store fails alone."""
    import threading

    cipher = ContactCipher(secret_key(settings))
    writer = rp.ReportWriter(store, settings, max_batch=8)
    others = ["giá điện tăng vọt ở Cầu Giấy", "ngập sâu sau mưa tại Hoàng Mai",
              "xe rác đổ trộm ven sông Tô Lịch", "quảng cáo vay tiền lừa đảo qua Zalo",
              "trường học thu phí trái quy định ở Đống Đa", "cây đổ chắn đường Láng",
              "tiếng ồn karaoke đêm khuya tại Long Biên", "bán hàng rong lấn chiếm vỉa hè Hàng Bông",
              "giả danh công an phường gọi điện đòi tiền", "nước sinh hoạt có mùi lạ ở Thanh Xuân",
              "đèn đường hỏng cả tháng trên phố Kim Mã", "mạo danh bệnh viện bán thuốc giả",
              "tin đồn đóng cửa chợ Đồng Xuân", "cháy nhỏ tại chung cư Linh Đàm"]
    texts = [STORY] * 6 + others
    prepared = [rp.prepare(settings, rp.Submission(text=t, category="tin_sai"), cipher) for t in texts]
    bad = rp.prepare(settings, rp.Submission(text="Một phản ánh hỏng", category="tin_sai"), cipher)
    bad.category = "no-such-category"  # fails inside the transaction (unknown category)
    go = threading.Event()
    futs: list = []

    def push(items):  # type: ignore[no-untyped-def]
        go.wait()
        futs.extend(writer.enqueue(p, "net") for p in items)

    ts = [threading.Thread(target=push, args=(prepared[i::3] + ([bad] if i == 0 else []),))
          for i in range(3)]
    for t in ts:
        t.start()
    go.set()
    for t in ts:
        t.join()
    results, errors = [], []
    for f in futs:
        try:
            results.append(f.result(timeout=30))
        except KeyError as exc:
            errors.append(exc)
    writer.close()
    assert len(results) == 20 and len(errors) == 1
    assert len({r["ticket"] for r in results}) == 20 and store.count_reports() == 20
    story_cases = {r["case_id"] for r in results if rp.ticket_status(store, r["ticket"])}
    assert len(story_cases) == 15  # six copies of one story share a case, 14 others alone
    from vimon.workflow.audit import verify_store

    assert verify_store(store).ok
