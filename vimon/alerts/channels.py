"""Delivery channels. Each returns a short outcome string and raises nothing: a failed
channel is recorded on the alert, and the next run retries it."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from email.message import EmailMessage
from typing import Any

import httpx

SIGNATURE_HEADER = "X-Vimon-Signature"
TIMESTAMP_HEADER = "X-Vimon-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, timestamp + "." + body): a receiver recomputes
    it and rejects stale timestamps, so a captured request cannot be replayed later."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, max_age: int = 300,
           now: float | None = None) -> bool:
    if abs((now or time.time()) - float(timestamp)) > max_age:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    created = alert.get("created_at")
    return {"id": alert.get("id"), "kind": alert["kind"], "severity": alert["severity"],
            "title": alert["title"], "body": alert["body"], "subject": alert["subject"],
            "detail": alert.get("detail") or {},
            "created_at": created.isoformat() + "Z" if created is not None else None}


def send_email(settings: Any, alert: dict[str, Any]) -> str:
    to = [a.strip() for a in (settings.alert_email_to or "").split(",") if a.strip()]
    msg = EmailMessage()
    msg["Subject"] = f"[vimon · {alert['severity']}] {alert['title']}"[:250]
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(to)
    msg.set_content(f"{alert['title']}\n\n{alert['body']}\n\n— vimon (cảnh báo tự động; "
                    "quyết định thuộc về cán bộ có thẩm quyền)")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                          timeout=settings.alert_timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)
        return "ok"
    except (OSError, smtplib.SMTPException) as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]


def send_webhook(settings: Any, alert: dict[str, Any]) -> str:
    body = json.dumps(payload(alert), ensure_ascii=False).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: ts}
    if settings.alert_webhook_secret:
        headers[SIGNATURE_HEADER] = sign(settings.alert_webhook_secret, ts, body)
    try:
        r = httpx.post(settings.alert_webhook_url, content=body, headers=headers,
                       timeout=settings.alert_timeout)
        return "ok" if r.status_code < 300 else f"error: HTTP {r.status_code}"
    except httpx.HTTPError as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]


def send_telegram(settings: Any, alert: dict[str, Any]) -> str:
    url = f"{settings.telegram_api_base.rstrip('/')}/bot{settings.telegram_bot_token}/sendMessage"
    text = f"⚠️ {alert['title']}\n\n{alert['body']}"[:4000]
    try:
        r = httpx.post(url, json={"chat_id": settings.telegram_chat_id, "text": text,
                                  "disable_web_page_preview": True},
                       timeout=settings.alert_timeout)
        ok = r.status_code == 200 and r.json().get("ok") is True
        return "ok" if ok else f"error: HTTP {r.status_code}"
    except (httpx.HTTPError, ValueError) as exc:
        return f"error: {type(exc).__name__}"[:300]


def configured(settings: Any) -> dict[str, Any]:
    """The channels this deployment has set up, by name."""
    out: dict[str, Any] = {}
    if settings.alert_email_to and settings.smtp_host:
        out["email"] = send_email
    if settings.alert_webhook_url:
        out["webhook"] = send_webhook
    if settings.telegram_bot_token and settings.telegram_chat_id:
        out["telegram"] = send_telegram
    return out
