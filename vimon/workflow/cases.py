"""Cases: open from items, move through the state machine, assign, comment, attach, propose
outgoing actions, approve them (supervisors only), record outcomes. Every step is audited by
the store in the same transaction as the change."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from vimon.auth import roles
from vimon.errors import NotFound, VimonError
from vimon.store.base import utcnow
from vimon.workflow import statuses


class WorkflowError(VimonError):
    """A step the state machine does not allow (HTTP 409 on the web)."""

    http_status = 409


class Forbidden(WorkflowError):
    """A step this user's role does not allow (HTTP 403)."""

    http_status = 403


def _need(user: dict[str, Any], permission: str) -> None:
    if not roles.can(user, permission):
        raise Forbidden("VM-WF-403", "Bạn không có quyền thực hiện thao tác này / not allowed")


def get_case_for(store: Any, user: dict[str, Any], case_id: int) -> dict[str, Any]:
    """The case if it exists *and* this user may see it; otherwise NotFound (the same answer,
    so a liaison cannot learn that another unit's case id exists)."""
    case = store.get_case(case_id)
    if case is None or not roles.can(user, "case.read") or not roles.covers(user, case["unit"]):
        raise NotFound("VM-WF-404", f"Không có hồ sơ số {case_id} / no case {case_id}")
    return case


def due_for(priority: str, start: datetime | None = None) -> datetime:
    hours = statuses.priorities().get(priority, {}).get("due_hours", 72)
    return (start or utcnow()) + timedelta(hours=int(hours))


def open_case(store: Any, user: dict[str, Any], *, title: str, item_ids: list[int] | None = None,
              priority: str = "normal", unit: str | None = None, summary: str | None = None) -> int:
    _need(user, "case.write")
    title = (title or "").strip()
    if not title:
        raise WorkflowError("VM-WF-001", "Cần tiêu đề hồ sơ / a case needs a title")
    if priority not in statuses.priorities():
        raise WorkflowError("VM-WF-002", f"Mức ưu tiên không hợp lệ / bad priority {priority!r}")
    if unit and unit not in roles.units():
        raise WorkflowError("VM-WF-003", f"Đơn vị không có trong danh mục / unknown unit {unit!r}")
    return int(store.create_case(title=title, actor=user["username"],
                                 status=machine_initial(), priority=priority, unit=unit or None,
                                 item_ids=item_ids or [], due_at=due_for(priority),
                                 summary=summary))


def machine_initial() -> str:
    return str(statuses.machine()["initial"])


def transition(store: Any, user: dict[str, Any], case_id: int, to: str, note: str = "") -> None:
    case = get_case_for(store, user, case_id)
    t = statuses.find_transition(case["status"], to)
    if t is None or t.get("via_action"):
        raise WorkflowError("VM-WF-010", f"Không thể chuyển từ '{statuses.label(case['status'])}' "
                            f"sang '{statuses.label(to)}' / transition not allowed")
    _need(user, t["permission"])
    note = (note or "").strip()
    if t.get("needs_note") and not note:
        raise WorkflowError("VM-WF-011", "Bước này cần ghi lý do hoặc kết quả / a note is required")
    fields: dict[str, Any] = {"status": to}
    if statuses.is_final(to):
        fields["outcome"] = note
    if t.get("reopen"):
        fields["due_at"] = due_for(case["priority"])
    ok = store.update_case(case_id, user["username"], "case.transition",
                           expect_status=case["status"],
                           detail={"from": case["status"], "to": to, "note": note}, **fields)
    if not ok:
        raise WorkflowError("VM-WF-012", "Hồ sơ vừa được người khác cập nhật; tải lại trang / "
                            "the case changed meanwhile, reload")


def update_fields(store: Any, user: dict[str, Any], case_id: int, *, assignee: str | None = None,
                  priority: str | None = None, unit: str | None = None,
                  due_at: datetime | None = None) -> None:
    _need(user, "case.write")
    get_case_for(store, user, case_id)
    fields: dict[str, Any] = {}
    if assignee is not None:
        if assignee and not store.get_user(username=assignee):
            raise WorkflowError("VM-WF-020", f"Không có người dùng / no user {assignee!r}")
        fields["assignee"] = assignee or None
    if priority:
        if priority not in statuses.priorities():
            raise WorkflowError("VM-WF-002", f"Mức ưu tiên không hợp lệ / bad priority {priority!r}")
        fields["priority"] = priority
    if unit is not None:
        if unit and unit not in roles.units():
            raise WorkflowError("VM-WF-003", f"Đơn vị không có trong danh mục / unknown unit {unit!r}")
        fields["unit"] = unit or None
    if due_at is not None:
        fields["due_at"] = due_at
    if fields:
        store.update_case(case_id, user["username"], "case.update", **fields)


def comment(store: Any, user: dict[str, Any], case_id: int, body: str) -> int:
    _need(user, "case.comment")
    get_case_for(store, user, case_id)
    body = (body or "").strip()
    if not body:
        raise WorkflowError("VM-WF-030", "Bình luận trống / empty comment")
    return int(store.add_comment(case_id, user["username"], body[:20000]))


ATTACH_TYPES = {
    "image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def safe_filename(name: str | None, default: str = "tep") -> str:
    """A file name safe to store and to send back: no path, no control or shell characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[^\w.\- ]+", "_", name, flags=re.UNICODE).strip(" ._")[:120]
    return name or default


def attach(store: Any, user: dict[str, Any], case_id: int, filename: str, content_type: str,
           data: bytes, max_bytes: int) -> int:
    _need(user, "case.comment")
    get_case_for(store, user, case_id)
    if not data:
        raise WorkflowError("VM-WF-040", "Tệp rỗng / empty file")
    if len(data) > max_bytes:
        raise WorkflowError("VM-WF-041", f"Tệp vượt {max_bytes:,} byte / file too large")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in ATTACH_TYPES:
        raise WorkflowError("VM-WF-042", f"Loại tệp không được phép / file type not allowed: {ctype}")
    return int(store.add_attachment(filename=safe_filename(filename), content_type=ctype,
                                    data=data, sha256=hashlib.sha256(data).hexdigest(),
                                    actor=user["username"], case_id=case_id))


# ------------------------------------------------------------------ outgoing actions
def propose_action(store: Any, user: dict[str, Any], case_id: int, kind: str,
                   params: dict[str, Any]) -> int:
    from vimon.workflow import letters

    _need(user, "case.write")
    case = get_case_for(store, user, case_id)
    spec = statuses.actions().get(kind)
    if spec is None:
        raise WorkflowError("VM-WF-050", f"Loại hành động không hợp lệ / unknown action {kind!r}")
    params = letters.check_params(kind, params)
    move = None
    t = statuses.find_transition(case["status"], "proposed")
    if t is not None:
        move = (case["status"], "proposed")
    elif case["status"] != "proposed":
        raise WorkflowError("VM-WF-051", "Chỉ đề xuất được khi hồ sơ đang mới/xác minh / propose "
                            "only from new or verifying")
    return int(store.add_action(case_id, kind, params, user["username"], case_status=move))


def decide_action(store: Any, user: dict[str, Any], action_id: int, approve: bool,
                  note: str = "") -> None:
    """Supervisor approval: nothing leaves the system without it."""
    _need(user, "case.approve")
    action = store.get_action(action_id)
    if action is None:
        raise NotFound("VM-WF-404", f"Không có hành động số {action_id}")
    case = get_case_for(store, user, action["case_id"])
    if action["status"] != "proposed":
        raise WorkflowError("VM-WF-052", "Hành động này đã được quyết định / already decided")
    if approve:
        hours = statuses.actions().get(action["kind"], {}).get("sla_hours")
        due = utcnow() + timedelta(hours=int(hours)) if hours else None
        move = ("proposed", "approved") if case["status"] == "proposed" else None
        store.decide_action(action_id, "approved", user["username"], due_at=due, outcome=note or None,
                            case_status=move)
    else:
        if not note.strip():
            raise WorkflowError("VM-WF-011", "Cần ghi lý do từ chối / a reason is required")
        move = ("proposed", "verifying") if case["status"] == "proposed" else None
        store.decide_action(action_id, "rejected", user["username"], outcome=note, case_status=move)


def record_outcome(store: Any, user: dict[str, Any], action_id: int, outcome: str,
                   sent: bool = False) -> None:
    _need(user, "case.write")
    action = store.get_action(action_id)
    if action is None:
        raise NotFound("VM-WF-404", f"Không có hành động số {action_id}")
    case = get_case_for(store, user, action["case_id"])
    if action["status"] not in ("approved", "sent"):
        raise WorkflowError("VM-WF-053", "Chỉ ghi kết quả cho hành động đã phê duyệt / approve first")
    if sent:
        move = ("approved", "in_progress") if case["status"] == "approved" else None
        store.decide_action(action_id, "sent", user["username"], outcome=outcome or None,
                            case_status=move)
    else:
        if not outcome.strip():
            raise WorkflowError("VM-WF-011", "Cần ghi kết quả / an outcome is required")
        store.decide_action(action_id, "done", user["username"], outcome=outcome)


def sla_clock(due_at: datetime | None, now: datetime | None = None) -> dict[str, Any] | None:
    """Time left before a deadline, for the case page: state ok / soon (< 6 h) / overdue."""
    if due_at is None:
        return None
    left = (due_at - (now or utcnow())).total_seconds()
    hours = abs(left) / 3600
    text = f"{int(hours)} giờ {int((hours % 1) * 60)} phút"
    state = "overdue" if left < 0 else ("soon" if left < 6 * 3600 else "ok")
    return {"due_at": due_at, "seconds_left": int(left), "state": state,
            "text": ("quá hạn " + text) if left < 0 else ("còn " + text)}
