"""Public pages, no login: the citizen report form and tickets, published debunks and RSS."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from vimon.auth.ratelimit import RateLimiter, network_of
from vimon.auth.secrets import ContactCipher, secret_key, sign
from vimon.errors import NotFound
from vimon.portal import debunks as dbk
from vimon.portal import reports as rp
from vimon.portal.pow import Challenges
from vimon.web.deps import PageNo, SettingsDep, StoreDep
from vimon.web.render import render
from vimon.web.views.auth import client_ip

router = APIRouter(tags=["public"])


def _portal(request: Request, settings: Any) -> dict[str, Any]:
    """Per-app state of the portal: limiters, spent challenges, the contact cipher."""
    st = getattr(request.app.state, "portal", None)
    if st is None or st["conf"] != (settings.report_rate_per_ip_hour,
                                    settings.report_rate_per_network_hour):
        key = secret_key(settings)
        st = request.app.state.portal = {
            "conf": (settings.report_rate_per_ip_hour, settings.report_rate_per_network_hour),
            "ip": RateLimiter(settings.report_rate_per_ip_hour, 3600),
            "net": RateLimiter(settings.report_rate_per_network_hour, 3600),
            "pow": Challenges(), "cipher": ContactCipher(key), "key": key,
        }
    return st


def _writer(request: Request) -> rp.ReportWriter:
    """The app's group-commit writer (one per app, made on the first report)."""
    w = getattr(request.app.state, "report_writer", None)
    if w is None:
        w = request.app.state.report_writer = rp.ReportWriter(request.app.state.store,
                                                              request.app.state.settings)
    return w


def _form_ctx(request: Request, settings: Any, error: str | None = None,
              values: dict[str, str] | None = None) -> dict[str, Any]:
    st = _portal(request, settings)
    return {
        "title": "Phản ánh thông tin xấu, độc", "categories": rp.categories(),
        "challenge": st["pow"].issue(st["key"], settings.report_pow_bits),
        "bits": settings.report_pow_bits, "error": error, "values": values or {},
        "consent": rp.portal_data()["consent"].format(days=settings.report_contact_retention_days),
        "max_mb": settings.report_max_upload_bytes // (1024 * 1024),
    }


@router.get("/report", include_in_schema=False)
def report_form(request: Request, settings: SettingsDep):
    return render(request, "report_form.html", _form_ctx(request, settings), as_json=False)


@router.get("/report/challenge", summary="Thử thách chống spam cho biểu mẫu phản ánh")
def report_challenge(request: Request, settings: SettingsDep) -> dict[str, Any]:
    st = _portal(request, settings)
    return {"challenge": st["pow"].issue(st["key"], settings.report_pow_bits),
            "bits": settings.report_pow_bits}


# The report form's fields and their length limits. The endpoint parses the form itself (the
# urlencoded body once, already split by AuthMiddleware for its CSRF check): FastAPI's
# per-field form machinery cost more than the rest of the request on this hot public path.
REPORT_FIELDS = {"category": 40, "url": 4000, "text": 40000, "description": 10000,
                 "contact": 1000, "consent": 10, "website": 500, "challenge": 200, "counter": 40,
                 "csrf": 200}
_FIELD_PROPS = {k: {"type": "string", "maxLength": n} for k, n in REPORT_FIELDS.items()}
_REPORT_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": _FIELD_PROPS}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        **_FIELD_PROPS, "screenshot": {"type": "string", "format": "binary"}}}},
}}}


async def _report_form(request: Request) -> tuple[dict[str, str], UploadFile | None]:
    """The submitted fields (first value of each) and the screenshot; 422 on a field over
    its length limit, as FastAPI's own form validation answered."""
    fields: dict[str, str] = {}
    upload: UploadFile | None = None
    parsed = request.scope.get("state", {}).get("urlencoded_form")
    if parsed is not None:
        fields = {k: v[0] for k, v in parsed.items() if k in REPORT_FIELDS and v}
    else:
        form = await request.form(max_files=1, max_fields=len(REPORT_FIELDS) + 5)
        for k, v in form.multi_items():
            if k == "screenshot" and not isinstance(v, str):
                upload = upload or v
            elif k in REPORT_FIELDS and isinstance(v, str):
                fields.setdefault(k, v)
    long = [k for k, v in fields.items() if len(v) > REPORT_FIELDS[k]]
    if long:
        raise RequestValidationError([
            {"type": "string_too_long", "loc": ("body", k), "input": None,
             "msg": f"String should have at most {REPORT_FIELDS[k]} characters",
             "ctx": {"max_length": REPORT_FIELDS[k]}} for k in long])
    return fields, upload


@router.post("/report", summary="Gửi phản ánh (biểu mẫu; cần mã CSRF và lời giải thử thách)",
             openapi_extra=_REPORT_BODY)
async def report_submit(request: Request, settings: SettingsDep):
    form, screenshot = await _report_form(request)
    category, url, text = form.get("category", ""), form.get("url", ""), form.get("text", "")
    description, contact = form.get("description", ""), form.get("contact", "")
    consent, website = form.get("consent", ""), form.get("website", "")  # website: honeypot
    challenge, counter = form.get("challenge", ""), form.get("counter", "")
    from starlette.concurrency import run_in_threadpool

    st = _portal(request, settings)
    wants_json = "application/json" in request.headers.get("accept", "")
    values = {"category": category, "url": url, "text": text, "description": description}

    def fail(status: int, message: str):
        if wants_json:
            raise HTTPException(status, message)
        ctx = _form_ctx(request, settings, error=message, values=values)
        resp = render(request, "report_form.html", ctx, as_json=False)
        resp.status_code = status
        return resp

    if website.strip():
        return fail(400, "Không gửi được phản ánh / report refused")
    ip = client_ip(request)
    net = network_of(ip)
    if not st["ip"].hit("ip:" + ip) or not st["net"].hit("net:" + net):
        return fail(429, "Bạn đã gửi quá nhiều phản ánh, vui lòng thử lại sau / too many reports, "
                    "try later")
    why = st["pow"].check(st["key"], challenge, counter, settings.report_pow_bits)
    if why:
        return fail(400, "Biểu mẫu đã hết hạn hoặc chưa hoàn tất kiểm tra chống spam; vui lòng gửi "
                    f"lại / anti-spam check failed ({why})")
    data = None
    name = ""
    if screenshot is not None and screenshot.filename:
        data = await screenshot.read(settings.report_max_upload_bytes + 1)
        name = screenshot.filename
    sub = rp.Submission(url=url, text=text, category=category, description=description,
                        contact=contact, consent=consent in ("1", "on", "yes", "true"),
                        screenshot=data or None, screenshot_name=name)
    try:
        if data or len(text) > 2000:  # image checks and long texts: off the event loop
            prepared = await run_in_threadpool(rp.prepare, settings, sub, st["cipher"])
        else:  # a short text is normalised and signed in well under a millisecond
            prepared = rp.prepare(settings, sub, st["cipher"])
    except rp.ReportError as exc:
        return fail(400, exc.message)
    res = await asyncio.wrap_future(
        _writer(request).enqueue(prepared, sign(st["key"], "network", net)[:16]))
    if wants_json:
        return {"ticket": res["ticket"], "status_url": f"/report/{res['ticket']}"}
    return render(request, "report_done.html", {"title": "Đã nhận phản ánh", "ticket": res["ticket"]},
                  as_json=False)


def _ticket_ctx(store: Any, ticket: str) -> dict[str, Any]:
    t = rp.ticket_status(store, ticket)
    if t is None:
        raise NotFound("VM-RPT-404", "Không tìm thấy mã phiếu / ticket not found")
    return {"title": f"Phiếu {t['ticket']}", "ticket": t}


@router.get("/report/{ticket}.json", summary="Trạng thái phiếu phản ánh")
def ticket_json(request: Request, store: StoreDep, ticket: str):
    return render(request, "ticket.html", _ticket_ctx(store, ticket), as_json=True)


@router.get("/report/{ticket}", include_in_schema=False)
def ticket_page(request: Request, store: StoreDep, ticket: str):
    return render(request, "ticket.html", _ticket_ctx(store, ticket), as_json=False)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _debunks_ctx(store: Any, page: int) -> dict[str, Any]:
    page = max(1, min(page, 10_000))
    rows = store.list_debunks(limit=20, offset=(page - 1) * 20)
    return {"title": "Cải chính thông tin sai", "debunks": rows, "page": page,
            "verdicts": {k: v["label"] for k, v in dbk.verdicts().items()}}


@router.get("/debunks", include_in_schema=False)
def debunks_page(request: Request, store: StoreDep, page: PageNo = 1):
    return render(request, "debunks.html", _debunks_ctx(store, page), as_json=False)


@router.get("/debunks.json", summary="Các bài cải chính đã công bố")
def debunks_json(request: Request, store: StoreDep, page: PageNo = 1):
    return render(request, "debunks.html", _debunks_ctx(store, page), as_json=True)


@router.get("/debunks.rss", summary="RSS các bài cải chính")
def debunks_rss(request: Request, store: StoreDep, settings: SettingsDep):
    body = dbk.rss(store.list_debunks(limit=50), _base(request), settings.org_name)
    return Response(body, media_type="application/rss+xml; charset=utf-8")


def _debunk_ctx(request: Request, store: Any, settings: Any, slug: str) -> dict[str, Any]:
    d = store.get_debunk(slug=slug)
    if d is None:
        raise NotFound("VM-DBK-404", "Không tìm thấy bài cải chính / debunk not found")
    url = f"{_base(request)}/debunks/{d['slug']}"
    data = dbk.claim_review(d, url, settings.org_name)
    return {"title": d["claim"][:80], "debunk": d, "claim_review": data,
            "verdict_label": dbk.verdicts().get(d["verdict"], {}).get("label", d["verdict"])}


@router.get("/debunks/{slug}.json", summary="Một bài cải chính (kèm ClaimReview)")
def debunk_json(request: Request, store: StoreDep, settings: SettingsDep, slug: str):
    return render(request, "debunk.html", _debunk_ctx(request, store, settings, slug), as_json=True)


@router.get("/debunks/{slug}", include_in_schema=False)
def debunk_page(request: Request, store: StoreDep, settings: SettingsDep, slug: str):
    ctx = _debunk_ctx(request, store, settings, slug)
    ctx["jsonld"] = dbk.jsonld_text(ctx["claim_review"])
    return render(request, "debunk.html", ctx, as_json=False)
