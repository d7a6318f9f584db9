"""Quarantine rows: rejected input kept with its reason, never silently dropped.

A rejected row is kept verbatim up to ``quarantine_keep_bytes``; a longer one (say a 20 MB
text) keeps its head, its size and the SHA-256 of the whole, so it can be matched to the
original file and nothing about it is lost from the record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vimon.records import Rejection


def quarantine_rows(rejections: Sequence[Rejection], now: datetime) -> list[dict[str, Any]]:
    from vimon.settings import get_settings

    keep = get_settings().quarantine_keep_bytes
    rows = []
    for rj in rejections:
        raw = rj.raw if isinstance(rj.raw, bytes) else rj.raw.encode("utf-8", "surrogatepass")
        head = raw[:keep].decode("utf-8", "replace").replace("\x00", "\ufffd")
        rows.append(
            {
                "created_at": now,
                "origin": rj.origin[:500],
                "line": rj.line,
                "reason_code": rj.reason_code,
                "reason": rj.reason[:2000],
                "raw": head,
                "raw_bytes": len(raw),
                "raw_sha256": hashlib.sha256(raw).hexdigest(),
                "truncated": len(raw) > keep,
                "resolved": False,
            }
        )
    return rows
