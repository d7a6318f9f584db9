"""The audit log: a hash chain that `vimon audit verify` checks; any edit or deletion shows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from tests.test_cli import vimon
from vimon.workflow.audit import verify_store


def _fill(store, n: int = 6) -> None:
    for i in range(n):
        store.audit_event(f"user{i}", "case.transition", "case", i, {"from": "new", "to": "verifying"})


def test_chain_verifies_and_detects_edits_deletions_and_truncation(store):
    _fill(store)
    res = verify_store(store)
    assert res.ok and res.events == 6
    with store.write() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"))
    bad = verify_store(store)
    assert not bad.ok and any("#3" in p for p in bad.problems)


def test_deleting_a_middle_row_or_the_tail_is_detected(store):
    _fill(store)
    with store.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    assert not verify_store(store).ok
    with store.write() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert not verify_store(store).ok  # the head still remembers event #6


def test_published_head_catches_a_rewritten_chain(store):
    _fill(store, 3)
    head = verify_store(store).head
    _fill(store, 1)
    assert verify_store(store, expect=head).ok is False
    assert verify_store(store, expect=verify_store(store).head).ok


def test_cli_verify_passes_on_a_real_log_and_fails_after_tampering(tmp_path: Path):
    assert vimon("users", "add", "qtv", "--role", "admin", "--password-stdin", home=tmp_path,
                 stdin="mat-khau-rat-dai-2\n").returncode == 0
    assert vimon("users", "token", "qtv", home=tmp_path).returncode == 0
    ok = vimon("audit", "verify", home=tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout
    db = sqlite3.connect(tmp_path / "vimon.sqlite")
    db.execute("UPDATE audit_log SET detail = '{\"role\":\"viewer\"}' WHERE id = 1")
    db.commit()
    db.close()
    bad = vimon("audit", "verify", home=tmp_path)
    assert bad.returncode == 1 and "TAMPERED" in bad.stdout


def test_many_events_in_one_transaction_and_a_rolled_back_one_keep_the_chain(store):
    _fill(store, 2)
    with store.write() as conn:
        for i in range(5):
            store._audit(conn, "batch", "report.create", "report", i, {"n": i})
    try:
        with store.write() as conn:
            store._audit(conn, "lost", "report.create", "report", 99, {})
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    store.audit_event("after", "case.transition", "case", 1, {})
    res = verify_store(store)
    assert res.ok, res.problems
    assert res.events == 8
    head = store.get_audit_head()
    assert head is not None and head["last_id"] == 8


def test_two_writers_with_their_own_engines_append_one_valid_chain(db_url: str):
    """Two Store objects stand for two processes (web server and CLI) on one database."""
    import threading

    from vimon.store import open_store

    a, b = open_store(db_url), open_store(db_url)
    try:
        def work(s, who):  # type: ignore[no-untyped-def]
            for i in range(40):
                with s.write() as conn:
                    s._audit(conn, who, "report.create", "report", i, {})
                    s._audit(conn, who, "case.open", "case", i, {})

        ts = [threading.Thread(target=work, args=(s, w)) for s, w in ((a, "a"), (b, "b"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        res = verify_store(a)
        assert res.ok, res.problems
        assert res.events == 160
    finally:
        a.close()
        b.close()
