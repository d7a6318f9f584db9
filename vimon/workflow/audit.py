"""Append-only, hash-chained audit log.

Each event's hash covers its own fields and the previous event's hash, so editing any row,
deleting one from the middle, or reordering breaks the chain from that row on. Ids are
assigned 1, 2, 3… by the appender, so a deleted row also leaves a gap. The last id and hash
are kept in ``audit_head``; a truncated tail disagrees with it. An attacker who can rewrite
the whole table *and* the head can forge a consistent chain: publish ``vimon audit head``
somewhere else (a daily briefing, a signed e-mail) and check it with ``--expect``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64
HASHED = ("id", "ts", "actor", "action", "object_type", "object_id", "detail", "prev_hash")


def canonical(detail: dict[str, Any]) -> str:
    """Deterministic JSON text (sorted keys, no spaces): what is stored is what is hashed."""
    return orjson.dumps(detail, option=orjson.OPT_SORT_KEYS, default=str).decode()


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(row: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for key in HASHED:
        h.update(str(row[key]).encode())
        h.update(b"\x1f")  # unit separator: fields cannot run into each other
    return h.hexdigest()


@dataclass
class VerifyResult:
    ok: bool
    events: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)


def verify_chain(rows: Iterable[dict[str, Any]], head: dict[str, Any] | None,
                 expect: str | None = None, max_problems: int = 20) -> VerifyResult:
    res = VerifyResult(ok=True)
    prev, expected_id = GENESIS, 1
    for row in rows:
        res.events += 1
        rid = int(row["id"])
        if rid != expected_id:
            res.problems.append(f"#{rid}: thiếu sự kiện #{expected_id}…#{rid - 1} "
                                f"(missing events)")
        if row["prev_hash"] != prev:
            res.problems.append(f"#{rid}: prev_hash không khớp sự kiện trước (chain broken)")
        if chain_hash(row) != row["hash"]:
            res.problems.append(f"#{rid}: nội dung đã bị sửa (hash mismatch)")
        prev, expected_id = row["hash"], rid + 1
        if len(res.problems) >= max_problems:
            break
    res.head = prev
    last_id = expected_id - 1
    if head is None:
        if res.events:
            res.problems.append("audit_head bị xóa / head row missing")
    elif int(head["last_id"]) != last_id or head["last_hash"] != prev:
        res.problems.append(
            f"đầu chuỗi ghi nhận #{head['last_id']} nhưng bảng kết thúc ở #{last_id} "
            "(tail truncated or head edited)")
    if expect and expect != prev:
        res.problems.append("mã băm đầu chuỗi khác giá trị đã công bố / head differs from --expect")
    res.ok = not res.problems
    return res


def verify_store(store: Any, expect: str | None = None) -> VerifyResult:
    return verify_chain(store.iter_audit(), store.get_audit_head(), expect)
