"""Case pages: list, detail (items, reports, evidence, actions, SLA clocks, comments,
attachments, audit trail), and every step of the workflow as a small POST."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from vimon.auth import roles
from vimon.auth.secrets import ContactCipher, secret_key
from vimon.errors import NotFound
from vimon.portal import debunks as dbk
from vimon.portal import reports as rp
from vimon.web.deps import CurrentUser, PageNo, SettingsDep, StoreDep
from vimon.web.render import render
from vimon.workflow import cases as wf
from vimon.workflow import letters, statuses

router = APIRouter(tags=["staff"])
PAGE = 25


def _list_ctx(store: Any, user: dict[str, Any], status: str | None, page: int) -> dict[str, Any]:
    page = max(1, min(page, 10_000))
    rows, total = store.list_cases(status=status or None, unit=roles.unit_scope(user), limit=PAGE,
                                   offset=(page - 1) * PAGE)
    for r in rows:
        r["status_label"] = statuses.label(r["status"])
        r["sla"] = wf.sla_clock(r["due_at"]) if not statuses.is_final(r["status"]) else None
    pending = store.pending_approvals() if roles.can(user, "case.approve") else []
    return {"title": "Hồ sơ vụ việc", "cases": rows, "total": total, "page": page,
            "pages": max(1, -(-total // PAGE)), "status": status or "",
            "statuses": {s: statuses.label(s) for s in statuses.status_ids()},
            "pending_approvals": [p for p in pending if roles.covers(user, p["unit"])]}


@router.get("/cases", include_in_schema=False)
def cases_page(request: Request, store: StoreDep, user: CurrentUser, status: str | None = None,
               page: PageNo = 1):
    return render(request, "cases.html", _list_ctx(store, user, status, page), as_json=False)


@router.get("/cases.json", summary="Danh sách hồ sơ vụ việc")
def cases_json(request: Request, store: StoreDep, user: CurrentUser, status: str | None = None,
               page: PageNo = 1):
    return render(request, "cases.html", _list_ctx(store, user, status, page), as_json=True)


def _case_ctx(store: Any, user: dict[str, Any], case_id: int) -> dict[str, Any]:
    case = wf.get_case_for(store, user, case_id)
    case["status_label"] = statuses.label(case["status"])
    actions = store.list_actions(case_id)
    for a in actions:
        a["label"] = statuses.actions().get(a["kind"], {}).get("label", a["kind"])
        a["letter"] = bool(statuses.actions().get(a["kind"], {}).get("letter"))
        a["sla"] = wf.sla_clock(a["due_at"]) if a["status"] in ("approved", "sent") else None
    reps = store.reports_of_case(case_id)
    for r in reps:
        r["category_label"] = rp.categories().get(r["category"], r["category"])
    return {
        "title": f"Hồ sơ #{case_id}: {case['title'][:80]}", "case": case,
        "sla": wf.sla_clock(case["due_at"]) if not statuses.is_final(case["status"]) else None,
        "items": store.case_item_rows(case_id), "reports": reps, "actions": actions,
        "comments": store.list_comments(case_id),
        "attachments": store.list_attachments(case_id=case_id,
                                              report_ids=[r["id"] for r in reps]),
        "transitions": statuses.allowed(case["status"], user),
        "action_kinds": {k: v["label"] for k, v in statuses.actions().items()},
        "platforms": {k: v["name"] for k, v in letters.platforms().items()},
        "priorities": {k: v["label"] for k, v in statuses.priorities().items()},
        "units": roles.units(), "debunks": store.debunks_of_case(case_id),
        "verdicts": {k: v["label"] for k, v in dbk.verdicts().items()},
        "audit": store.list_audit(object_type="case", object_id=case_id, limit=50),
        "users": [u["username"] for u in store.list_users()] if roles.can(user, "case.write") else [],
    }


@router.get("/cases/{case_id:int}", include_in_schema=False)
def case_page(request: Request, store: StoreDep, user: CurrentUser, case_id: int):
    return render(request, "case.html", _case_ctx(store, user, case_id), as_json=False)


@router.get("/cases/{case_id}.json", summary="Một hồ sơ vụ việc")
def case_json(request: Request, store: StoreDep, user: CurrentUser, case_id: int):
    return render(request, "case.html", _case_ctx(store, user, case_id), as_json=True)


def _back(case_id: int) -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases", include_in_schema=False)
async def case_open(store: StoreDep, user: CurrentUser,
                    title: Annotated[str, Form(max_length=500)],
                    item_ids: Annotated[list[int], Form()] = [],  # noqa: B006
                    priority: Annotated[str, Form(max_length=10)] = "normal",
                    unit: Annotated[str, Form(max_length=200)] = ""):
    cid = await run_in_threadpool(lambda: wf.open_case(store, user, title=title,
                                                       item_ids=item_ids[:500], priority=priority,
                                                       unit=unit or None))
    return _back(cid)


@router.post("/cases/{case_id}/transition", include_in_schema=False)
async def case_transition(store: StoreDep, user: CurrentUser, case_id: int,
                          to: Annotated[str, Form(max_length=30)],
                          note: Annotated[str, Form(max_length=5000)] = ""):
    await run_in_threadpool(wf.transition, store, user, case_id, to, note)
    return _back(case_id)


@router.post("/cases/{case_id}/update", include_in_schema=False)
async def case_update(store: StoreDep, user: CurrentUser, case_id: int,
                      assignee: Annotated[str | None, Form(max_length=120)] = None,
                      priority: Annotated[str, Form(max_length=10)] = "",
                      unit: Annotated[str | None, Form(max_length=200)] = None,
                      due_at: Annotated[str, Form(max_length=40)] = ""):
    due = None
    if due_at:
        try:
            from vimon.pipeline.parse import parse_time

            due = parse_time(due_at)
        except Exception:
            raise wf.WorkflowError("VM-WF-021", "Hạn xử lý không hợp lệ / invalid due date") from None
    await run_in_threadpool(lambda: wf.update_fields(store, user, case_id, assignee=assignee,
                                                     priority=priority or None, unit=unit,
                                                     due_at=due))
    return _back(case_id)


@router.post("/cases/{case_id}/comment", include_in_schema=False)
async def case_comment(store: StoreDep, user: CurrentUser, case_id: int,
                       body: Annotated[str, Form(max_length=20000)]):
    await run_in_threadpool(wf.comment, store, user, case_id, body)
    return _back(case_id)


@router.post("/cases/{case_id}/attach", include_in_schema=False)
async def case_attach(store: StoreDep, settings: SettingsDep, user: CurrentUser, case_id: int,
                      file: Annotated[UploadFile, File()]):
    limit = settings.report_max_upload_bytes
    data = await file.read(limit + 1)
    await run_in_threadpool(wf.attach, store, user, case_id, file.filename or "", file.content_type
                            or "", data, limit)
    return _back(case_id)


@router.get("/cases/attachments/{attachment_id}", include_in_schema=False)
def attachment_download(store: StoreDep, user: CurrentUser, attachment_id: int):
    att = store.get_attachment(attachment_id)
    case_id = att["case_id"] if att else None
    if att and case_id is None and att["report_id"]:
        rep = store.get_report(report_id=att["report_id"])
        case_id = rep["case_id"] if rep else None
    if att is None or case_id is None:
        raise NotFound("VM-WF-404", "Không có tệp / no such file")
    wf.get_case_for(store, user, case_id)
    store.audit_event(user["username"], "attachment.view", "case", case_id,
                      {"attachment": attachment_id})
    # Served as a download with a fixed, safe name: never rendered inline by the browser.
    ext = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
           "application/pdf": "pdf", "text/plain": "txt"}.get(att["content_type"], "bin")
    return Response(att["data"], media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="tep-{attachment_id}.{ext}"'})


@router.post("/cases/{case_id}/actions", include_in_schema=False)
async def action_propose(store: StoreDep, user: CurrentUser, case_id: int,
                         kind: Annotated[str, Form(max_length=40)],
                         platform: Annotated[str, Form(max_length=40)] = "",
                         decree: Annotated[str, Form(max_length=500)] = "",
                         article: Annotated[str, Form(max_length=500)] = "",
                         subject: Annotated[str, Form(max_length=500)] = "",
                         reason: Annotated[str, Form(max_length=2000)] = "",
                         fine: Annotated[str, Form(max_length=200)] = ""):
    params = {"platform": platform, "decree": decree, "article": article, "subject": subject,
              "reason": reason, "fine": fine}
    await run_in_threadpool(wf.propose_action, store, user, case_id, kind,
                            {k: v for k, v in params.items() if v})
    return _back(case_id)


@router.post("/cases/actions/{action_id}/decide", include_in_schema=False)
async def action_decide(store: StoreDep, user: CurrentUser, action_id: int,
                        decision: Annotated[str, Form(max_length=10)],
                        note: Annotated[str, Form(max_length=5000)] = ""):
    await run_in_threadpool(wf.decide_action, store, user, action_id, decision == "approve", note)
    action = store.get_action(action_id)
    return _back(action["case_id"])


@router.post("/cases/actions/{action_id}/outcome", include_in_schema=False)
async def action_outcome(store: StoreDep, user: CurrentUser, action_id: int,
                         outcome: Annotated[str, Form(max_length=5000)] = "",
                         sent: Annotated[str, Form(max_length=5)] = ""):
    await run_in_threadpool(wf.record_outcome, store, user, action_id, outcome, sent == "1")
    action = store.get_action(action_id)
    return _back(action["case_id"])


@router.get("/cases/actions/{action_id}/letter.{fmt}", include_in_schema=False)
def action_letter(store: StoreDep, settings: SettingsDep, user: CurrentUser, action_id: int,
                  fmt: str):
    action = store.get_action(action_id)
    if action is None or fmt not in ("docx", "pdf"):
        raise NotFound("VM-WF-404", "Không có công văn / no letter")
    case = wf.get_case_for(store, user, action["case_id"])
    if action["status"] not in ("approved", "sent", "done"):
        raise wf.Forbidden("VM-WF-074", "Công văn chỉ tải được sau khi lãnh đạo phê duyệt / "
                           "the letter is available after supervisor approval")
    letter = letters.build(settings, case, action, store.case_item_rows(case["id"]))
    store.audit_event(user["username"], "letter.download", "case", case["id"],
                      {"action": action_id, "format": fmt})
    if fmt == "docx":
        body = letters.render_docx(letter)
        mt = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        body = letters.render_pdf(letter, settings)
        mt = "application/pdf"
    return Response(body, media_type=mt, headers={
        "Content-Disposition": f'attachment; filename="cong-van-{action_id}.{fmt}"'})


@router.get("/cases/reports/{report_id}/contact", include_in_schema=False)
def report_contact(request: Request, store: StoreDep, settings: SettingsDep, user: CurrentUser,
                   report_id: int):
    rep = store.get_report(report_id=report_id)
    if rep is None or rep["case_id"] is None:
        raise NotFound("VM-RPT-404", "Không có phản ánh / no report")
    wf.get_case_for(store, user, rep["case_id"])
    if not roles.can(user, "contact.read"):
        raise wf.Forbidden("VM-WF-403", "Bạn không có quyền xem thông tin liên hệ / not allowed")
    enc = store.report_contact(report_id, user["username"])  # audited
    contact = ContactCipher(secret_key(settings)).decrypt(enc) if enc else None
    return render(request, "contact.html", {"title": f"Liên hệ — phiếu {rep['ticket']}",
                                            "report": {"ticket": rep["ticket"], "case_id": rep["case_id"],
                                                       "consent": rep["consent"],
                                                       "purged": rep["contact_purged_at"]},
                                            "contact": contact}, as_json=False)


@router.post("/cases/{case_id}/debunk", include_in_schema=False)
async def case_debunk(store: StoreDep, settings: SettingsDep, user: CurrentUser, case_id: int,
                      claim: Annotated[str, Form(max_length=2000)],
                      verdict: Annotated[str, Form(max_length=40)],
                      correction: Annotated[str, Form(max_length=20000)],
                      sources: Annotated[str, Form(max_length=10000)] = ""):
    await run_in_threadpool(lambda: dbk.publish(store, settings, user, claim=claim, verdict=verdict,
                                                correction=correction,
                                                sources=sources.splitlines(), case_id=case_id))
    return _back(case_id)


