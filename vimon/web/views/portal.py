"""Public pages, no login: the citizen report form and tickets, published debunks and RSS."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

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


@router.post("/report", summary="Gửi phản ánh (biểu mẫu; cần mã CSRF và lời giải thử thách)")
async def report_submit(
    request: Request, store: StoreDep, settings: SettingsDep,
    category: Annotated[str, Form(max_length=40)] = "",
    url: Annotated[str, Form(max_length=4000)] = "",
    text: Annotated[str, Form(max_length=40000)] = "",
    description: Annotated[str, Form(max_length=10000)] = "",
    contact: Annotated[str, Form(max_length=1000)] = "",
    consent: Annotated[str, Form(max_length=10)] = "",
    website: Annotated[str, Form(max_length=500)] = "",  # honeypot: people never see it
    challenge: Annotated[str, Form(max_length=200)] = "",
    counter: Annotated[str, Form(max_length=40)] = "",
    screenshot: Annotated[UploadFile | None, File()] = None,
):
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
        res = await run_in_threadpool(rp.submit, store, settings, sub,
                                      sign(st["key"], "network", net)[:16], st["cipher"])
    except rp.ReportError as exc:
        return fail(400, exc.message)
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
