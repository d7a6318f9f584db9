"""The case state machine, read from ``statuses.json``: statuses, allowed transitions (with
the permission each needs), priorities with their due times, and the outgoing actions."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from vimon.auth import roles

_PATH = Path(__file__).with_name("statuses.json")


@lru_cache(maxsize=1)
def machine() -> dict[str, Any]:
    data = json.loads(_PATH.read_text(encoding="utf-8"))
    ids = {s["id"] for s in data["statuses"]}
    for t in data["transitions"]:  # a typo in the data should fail loudly, at load
        bad = [s for s in [*t["from"], t["to"]] if s not in ids]
        if bad:
            raise ValueError(f"statuses.json: unknown status {bad} in transition {t}")
    return data


def status_ids() -> list[str]:
    return [s["id"] for s in machine()["statuses"]]


def status(sid: str) -> dict[str, Any]:
    for s in machine()["statuses"]:
        if s["id"] == sid:
            return s
    return {"id": sid, "label": sid, "public": sid}


def label(sid: str) -> str:
    return str(status(sid)["label"])


def public_label(sid: str) -> str:
    return str(status(sid).get("public", status(sid)["label"]))


def is_final(sid: str) -> bool:
    return bool(status(sid).get("final"))


def find_transition(src: str, dst: str) -> dict[str, Any] | None:
    for t in machine()["transitions"]:
        if src in t["from"] and t["to"] == dst:
            return dict(t)
    return None


def allowed(src: str, user: dict[str, Any] | None, *, manual_only: bool = True
            ) -> list[dict[str, Any]]:
    """Transitions from ``src`` this user may make (by hand: those not made through an action)."""
    return [t for t in machine()["transitions"]
            if src in t["from"] and roles.can(user, t["permission"])
            and not (manual_only and t.get("via_action"))]


def priorities() -> dict[str, dict[str, Any]]:
    return machine()["priorities"]


def actions() -> dict[str, dict[str, Any]]:
    return machine()["actions"]
