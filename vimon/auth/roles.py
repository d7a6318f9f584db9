"""Roles, permissions and units, read from ``roles.json`` (data, editable per deployment)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PATH = Path(__file__).with_name("roles.json")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(_PATH.read_text(encoding="utf-8"))


def roles() -> dict[str, dict[str, Any]]:
    return _data()["roles"]


def units() -> dict[str, str]:
    return _data()["units"]


def permissions() -> dict[str, str]:
    return _data()["permissions"]


def can(user: dict[str, Any] | None, permission: str) -> bool:
    if not user or not user.get("active", True):
        return False
    role = roles().get(user.get("role", ""))
    return role is not None and permission in role["permissions"]


def is_scoped(user: dict[str, Any]) -> bool:
    role = roles().get(user.get("role", ""), {})
    return bool(role.get("scoped"))


def unit_scope(user: dict[str, Any]) -> str | None:
    """The unit a scoped user is limited to ('' = a scoped user without a unit sees nothing);
    None = not limited."""
    if not is_scoped(user):
        return None
    return user.get("unit") or ""


def covers(user: dict[str, Any], unit: str | None) -> bool:
    """Whether ``user`` may see an object of ``unit`` (its own unit and units under it)."""
    scope = unit_scope(user)
    if scope is None:
        return True
    if not scope or not unit:
        return False
    return unit == scope or unit.startswith(scope + "/")


def unit_label(code: str | None) -> str:
    if not code:
        return "—"
    return units().get(code, code)
