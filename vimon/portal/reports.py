"""Citizen reports: validate, check the screenshot, merge with what is already known (the
same link, or near-duplicate text, among monitored items and earlier reports), open or join
a case, and hand back a ticket code. The public ticket page shows only the public status and
any debunk of the claim; never contact data or internal notes."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import queue
import secrets
import threading
import time
from concurrent.futures import Future
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

log = logging.getLogger(__name__)

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
    # One read of the OS random source; 32 letters, so the low 5 bits of a byte pick one
    # uniformly (256 is a multiple of 32).
    return "PA-" + "".join(TICKET_ALPHABET[b & 31] for b in secrets.token_bytes(10))


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


@dataclass
class Prepared:
    """A validated report, normalised and signed, ready for one write transaction."""

    url: str
    text: str
    folded: str
    sig: np.ndarray | None
    bands: list[int]
    key: str | None
    category: str
    description: str
    contact_enc: str | None
    consent: bool
    image: tuple[str, str] | None
    screenshot: bytes | None


def prepare(settings: Any, sub: Submission, cipher: Any) -> Prepared:
    """Validate and normalise a submission (CPU only, no database); ReportError if refused."""
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
    return Prepared(url=url, text=text, folded=folded, sig=sig, bands=bands,
                    key=url_key(url) if url else None, category=sub.category,
                    description=sub.description.strip()[:MAX_DESC],
                    contact_enc=cipher.encrypt(contact) if contact else None,
                    consent=bool(sub.consent and contact), image=image,
                    screenshot=sub.screenshot if image else None)


def write(store: Any, settings: Any, conn: Any, p: Prepared, network_tag: str) -> dict[str, Any]:
    """Store one prepared report inside the caller's write transaction: merge it with the
    items and earlier reports it is about, open or join a case, flag, attach, audit."""
    ticket = new_ticket()
    cand = store.report_merge_candidates(
        conn, url_keys=[p.key] if p.key else [], urls=url_variants(p.url) if p.url else [],
        band_keys=p.bands)
    item_ids = [i for i, (how, mh) in cand["items"].items()
                if how == "url" or _similar(p.sig, mh, settings.dedupe_threshold)]
    case_ids = [c for _r, (how, c, mh) in cand["reports"].items()
                if c and (how == "url" or _similar(p.sig, mh, settings.dedupe_threshold))]
    case_ids += store.case_ids_of_items(conn, item_ids)
    merged = bool(case_ids)
    if case_ids:
        case_id = max(case_ids)
        store.link_case_items(conn, case_id, item_ids)
        store.touch_case(conn, case_id)
    else:
        from vimon.workflow.cases import due_for

        title = (p.text or p.url)[:120]
        case_id = store.create_case(
            title=f"Phản ánh: {title}", actor="citizen", status=statuses.machine()["initial"],
            item_ids=item_ids, due_at=due_for("normal"), conn=conn,
            summary=f"{categories()[p.category]}. {p.description[:500]}")
    rid = store.insert_report(conn, {
        "ticket": ticket, "url": p.url or None, "url_key": p.key, "text": p.text or None,
        "folded": p.folded or None, "category": p.category, "description": p.description or None,
        "contact_enc": p.contact_enc, "consent": p.consent, "network": network_tag,
        "minhash": p.sig.tobytes() if p.sig is not None else None, "case_id": case_id,
        "item_id": item_ids[0] if item_ids else None,
    }, p.bands)
    targets = [{"item_id": i} for i in item_ids] or [{"report_id": rid}]
    for t in targets:
        store.add_flag_in(conn, {**t, "kind": "report", "ref": ticket, "score": REPORT_RISK,
                                 "detail": {"ticket": ticket, "category": p.category,
                                            "case_id": case_id}})
    if p.image:
        data = p.screenshot or b""
        store.add_attachment(filename=p.image[1], content_type=p.image[0], data=data,
                             sha256=hashlib.sha256(data).hexdigest(), actor="citizen",
                             report_id=rid, conn=conn)
    store._audit(conn, "citizen", "report.create", "report", rid,
                 {"ticket": ticket, "case": case_id, "merged": merged, "items": item_ids})
    return {"ticket": ticket, "case_id": case_id, "merged": merged, "report_id": rid}


def after_commit(store: Any, settings: Any, p: Prepared, res: dict[str, Any]) -> None:
    """Work that needs the report committed: link it to a published debunk of its claim."""
    if p.folded:
        link_debunks(store, settings, res["report_id"], p.folded)


def submit(store: Any, settings: Any, sub: Submission, network_tag: str,
           cipher: Any) -> dict[str, Any]:
    """Accept one report in its own transaction; returns ``{"ticket", "case_id", "merged",
    "report_id"}``. The web endpoint goes through a ReportWriter instead (group commit)."""
    p = prepare(settings, sub, cipher)
    with store.write() as conn:
        res = write(store, settings, conn, p, network_tag)
    after_commit(store, settings, p, res)
    return res


class ReportWriter:
    """Group commit for the public endpoint: one thread writes the reports that arrived
    while the previous transaction ran, up to ``max_batch`` per transaction, so the cost of
    a commit is shared under load and nothing changes for a lone citizen. Each report gets
    its own result; if a batch fails, its reports are retried one per transaction so that
    one bad report cannot fail the others."""

    def __init__(self, store: Any, settings: Any, max_batch: int = 32) -> None:
        self.store, self.settings, self.max_batch = store, settings, max_batch
        self._queue: queue.SimpleQueue[tuple[Prepared, str, Future[dict[str, Any]]] | None] = (
            queue.SimpleQueue())
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def enqueue(self, p: Prepared, network_tag: str) -> Future[dict[str, Any]]:
        fut: Future[dict[str, Any]] = Future()
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="vimon-report-writer",
                                                daemon=True)
                self._thread.start()
        self._queue.put((p, network_tag, fut))
        return fut

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._write_batch(batch)
            if stop:
                return

    def _write_batch(self, batch: list[tuple[Prepared, str, Future[dict[str, Any]]]]) -> None:
        live = [b for b in batch if b[2].set_running_or_notify_cancel()]
        try:
            with self.store.write() as conn:
                results = [write(self.store, self.settings, conn, p, tag) for p, tag, _ in live]
        except Exception:  # each report alone: one bad report cannot fail the others
            for one in live:
                self._write_one(one)
            return
        for (p, _tag, fut), res in zip(live, results, strict=True):
            self._finish(p, fut, res)

    def _write_one(self, one: tuple[Prepared, str, Future[dict[str, Any]]]) -> None:
        p, tag, fut = one
        try:
            with self.store.write() as conn:
                res = write(self.store, self.settings, conn, p, tag)
        except Exception as exc:  # handed to the request, which answers with a clean error
            fut.set_exception(exc)
            return
        self._finish(p, fut, res)

    def _finish(self, p: Prepared, fut: Future[dict[str, Any]], res: dict[str, Any]) -> None:
        try:
            after_commit(self.store, self.settings, p, res)
        except Exception:  # the report is stored and its ticket valid; the failure is logged
            log.exception("linking report %s to debunks failed", res.get("ticket"))
        fut.set_result(res)


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
