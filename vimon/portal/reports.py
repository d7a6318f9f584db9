"""Citizen reports: validate, check the screenshot, merge with what is already known (the
same link, or near-duplicate text, among monitored items and earlier reports), open or join
a case, and hand back a ticket code. The public ticket page shows only the public status and
any debunk of the claim; never contact data or internal notes."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from vimon.errors import VimonError
from vimon.text import fold, normalize
from vimon.workflow import matching, statuses
from vimon.workflow.review import REPORT_RISK

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_TEXT = 10_000
MAX_DESC = 5_000
MAX_CONTACT = 300
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg",
               b"GIF87a": "image/gif", b"GIF89a": "image/gif"}
_TRACKING = ("utm_", "fbclid", "gclid", "zarsrc", "mibextid", "__cft__", "__tn__")


class ReportError(VimonError):
    """A report that cannot be accepted; the message is shown to the citizen."""

    http_status = 400


@lru_cache(maxsize=1)
def portal_data() -> dict[str, Any]:
    return json.loads(Path(__file__).with_name("categories.json").read_text(encoding="utf-8"))


def categories() -> dict[str, str]:
    return portal_data()["categories"]


def new_ticket() -> str:
    return "PA-" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(10))


def url_key(url: str) -> str:
    """One key for the many spellings of a link: scheme, www., case of host, fragment,
    tracking parameters and a trailing slash do not matter."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    query = _clean_query(parts.query)
    path = parts.path.rstrip("/") or ""
    return f"{host}{path}" + (f"?{query}" if query else "")


def _clean_query(query: str) -> str:
    return urlencode(sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                            if not k.lower().startswith(_TRACKING)))


def url_variants(url: str) -> list[str]:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = parts.path.rstrip("/")
    query = _clean_query(parts.query)
    out = set()
    for scheme in ("https", "http"):
        for h in (host, "www." + host, "m." + host):
            for p in (path, path + "/"):
                out.add(urlunsplit((scheme, h, p, query, "")))
    out.add(url.strip())
    return sorted(out)


def check_url(url: str) -> str:
    url = url.strip()
    if len(url) > 2000:
        raise ReportError("VM-RPT-002", "Đường dẫn quá dài / link too long")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ReportError("VM-RPT-003", "Đường dẫn không hợp lệ, cần bắt đầu bằng http:// hoặc https:// "
                          "/ invalid link")
    return url


def check_image(data: bytes, max_bytes: int) -> tuple[str, str]:
    """(content type, extension) of an acceptable screenshot, else ReportError. The bytes must
    be a real PNG/JPEG/GIF/WebP that Pillow can read, whatever the file is called."""
    if len(data) > max_bytes:
        raise ReportError("VM-RPT-010", f"Ảnh vượt quá {max_bytes // 1024 // 1024} MB / image too large")
    ctype = next((t for sig, t in IMAGE_TYPES.items() if data.startswith(sig)), None)
    if ctype is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        ctype = "image/webp"
    if ctype is None:
        raise ReportError("VM-RPT-011", "Chỉ nhận ảnh PNG, JPEG, GIF hoặc WebP / images only")
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > 50_000_000:
                raise ReportError("VM-RPT-012", "Ảnh quá lớn / image too large")
            im.verify()
    except ReportError:
        raise
    except Exception:
        raise ReportError("VM-RPT-012", "Tệp ảnh hỏng hoặc không đọc được / unreadable image") from None
    return ctype, ctype.split("/")[1].replace("jpeg", "jpg")


@dataclass
class Submission:
    url: str = ""
    text: str = ""
    category: str = ""
    description: str = ""
    contact: str = ""
    consent: bool = False
    screenshot: bytes | None = None
    screenshot_name: str = ""


def _signature(settings: Any, folded_text: str) -> tuple[np.ndarray | None, list[int]]:
    from vimon.pipeline.dedupe import band_keys, shingles, signatures

    sh = shingles(folded_text, settings.dedupe_shingle)
    if not sh:
        return None, []
    sig = signatures([sh], settings.dedupe_num_perm)
    return sig[0], band_keys(sig, settings.dedupe_bands)[0].tolist()


def _similar(sig: np.ndarray | None, other: bytes | None, threshold: float) -> bool:
    if sig is None or other is None:
        return False
    o = np.frombuffer(bytes(other), dtype=np.uint32)
    return o.shape == sig.shape and float((o == sig).mean()) >= threshold


def submit(store: Any, settings: Any, sub: Submission, network_tag: str,
           cipher: Any) -> dict[str, Any]:
    """Accept one report; returns ``{"ticket", "case_id", "merged"}``."""
    url = check_url(sub.url) if sub.url.strip() else ""
    text = normalize(sub.text.strip())[:MAX_TEXT] if sub.text.strip() else ""
    if not url and not text:
        raise ReportError("VM-RPT-001", "Cần ít nhất đường dẫn hoặc nội dung thông tin / give a link "
                          "or the text")
    if sub.category not in categories():
        raise ReportError("VM-RPT-004", "Chọn loại phản ánh / choose a category")
    if len(sub.description) > MAX_DESC or len(sub.text) > MAX_TEXT * 2:
        raise ReportError("VM-RPT-005", "Nội dung quá dài / text too long")
    contact = sub.contact.strip()
    if len(contact) > MAX_CONTACT:
        raise ReportError("VM-RPT-006", "Thông tin liên hệ quá dài / contact too long")
    if contact and not sub.consent:
        raise ReportError("VM-RPT-007", "Cần đồng ý điều khoản xử lý dữ liệu cá nhân khi để lại liên hệ, "
                          "hoặc bỏ trống để gửi ẩn danh / consent needed to keep contact data")
    image = None
    if sub.screenshot:
        ctype, ext = check_image(sub.screenshot, settings.report_max_upload_bytes)
        image = (ctype, f"anh-chup.{ext}")
    folded = fold(text) if text else ""
    sig, bands = _signature(settings, folded) if folded else (None, [])
    key = url_key(url) if url else None
    ticket = new_ticket()
    with store.write() as conn:
        cand = store.report_merge_candidates(
            conn, url_keys=[key] if key else [], urls=url_variants(url) if url else [],
            band_keys=bands)
        item_ids = [i for i, (how, mh) in cand["items"].items()
                    if how == "url" or _similar(sig, mh, settings.dedupe_threshold)]
        case_ids = [c for _r, (how, c, mh) in cand["reports"].items()
                    if c and (how == "url" or _similar(sig, mh, settings.dedupe_threshold))]
        case_ids += store.case_ids_of_items(conn, item_ids)
        merged = bool(case_ids)
        if case_ids:
            case_id = max(case_ids)
            store.link_case_items(conn, case_id, item_ids)
            store.touch_case(conn, case_id)
        else:
            from vimon.workflow.cases import due_for

            title = (text or url)[:120]
            case_id = store.create_case(
                title=f"Phản ánh: {title}", actor="citizen", status=statuses.machine()["initial"],
                item_ids=item_ids, due_at=due_for("normal"), conn=conn,
                summary=f"{categories()[sub.category]}. {sub.description.strip()[:500]}")
        rid = store.insert_report(conn, {
            "ticket": ticket, "url": url or None, "url_key": key, "text": text or None,
            "folded": folded or None, "category": sub.category,
            "description": sub.description.strip()[:MAX_DESC] or None,
            "contact_enc": cipher.encrypt(contact) if contact else None,
            "consent": bool(sub.consent and contact), "network": network_tag,
            "minhash": sig.tobytes() if sig is not None else None, "case_id": case_id,
            "item_id": item_ids[0] if item_ids else None,
        }, bands)
        targets = [{"item_id": i} for i in item_ids] or [{"report_id": rid}]
        for t in targets:
            store.add_flag_in(conn, {**t, "kind": "report", "ref": ticket, "score": REPORT_RISK,
                                     "detail": {"ticket": ticket, "category": sub.category,
                                                "case_id": case_id}})
        if image:
            data = sub.screenshot or b""
            store.add_attachment(filename=image[1], content_type=image[0], data=data,
                                 sha256=hashlib.sha256(data).hexdigest(), actor="citizen",
                                 report_id=rid, conn=conn)
        store._audit(conn, "citizen", "report.create", "report", rid,
                     {"ticket": ticket, "case": case_id, "merged": merged, "items": item_ids})
    if folded:
        link_debunks(store, settings, rid, folded)
    return {"ticket": ticket, "case_id": case_id, "merged": merged, "report_id": rid}


_CLAIMS: dict[str, Any] = {"at": 0.0, "rows": []}


def cached_claims(store: Any, max_age: float = 5.0) -> list[dict[str, Any]]:
    if time.monotonic() - _CLAIMS["at"] > max_age or _CLAIMS.get("store") is not store:
        rows = store.list_debunks(limit=1000)
        for d in rows:
            d["_pairs"] = matching.pairs(d["claim_folded"])
        _CLAIMS.update(at=time.monotonic(), rows=rows, store=store)
    return _CLAIMS["rows"]


def forget_claims() -> None:
    _CLAIMS["at"] = 0.0


def link_debunks(store: Any, settings: Any, report_id: int, folded: str) -> None:
    for m in matching.match(cached_claims(store), folded, settings.debunk_match_threshold):
        store.link_reports_to_debunk(m["debunk_id"], {report_id: m["score"]})


def ticket_status(store: Any, ticket: str) -> dict[str, Any] | None:
    if not ticket or len(ticket) > 20:
        return None
    rep = store.get_report(ticket=ticket.strip().upper())
    if rep is None:
        return None
    case = store.get_case(rep["case_id"]) if rep["case_id"] else None
    st = case["status"] if case else "new"
    return {
        "ticket": rep["ticket"], "created_at": rep["created_at"],
        "category": categories().get(rep["category"], rep["category"]),
        "url": rep["url"], "status": st, "status_label": statuses.public_label(st),
        "final": statuses.is_final(st),
        "debunks": [{"slug": d["slug"], "claim": d["claim"], "verdict": d["verdict"],
                     "verdict_label": portal_data()["verdicts"].get(d["verdict"], {}).get("label", d["verdict"]),
                     "correction": d["correction"], "published_at": d["published_at"]}
                    for d in store.debunks_of_report(rep["id"], rep["case_id"])],
    }
