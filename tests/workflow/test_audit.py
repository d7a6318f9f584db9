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
