"""Alerts: signals become deduplicated records; delivery by e-mail (local SMTP server),
signed webhook (local receiver) and Telegram (local fake Bot API); throttling; history."""

from __future__ import annotations

import email
import json
from datetime import datetime, timedelta

import pytest

from tests.alerts.servers import HTTPReceiver, SMTPServer
from tests.helpers import run_rows


@pytest.fixture
def servers():
    smtp, http = SMTPServer(), HTTPReceiver()
    yield smtp, http
    smtp.shutdown()
    http.shutdown()
    smtp.server_close()
    http.server_close()


def _settings(settings, smtp, http, **extra):
    return settings.model_copy(update={
        "classify_on_ingest": False, "alert_email_to": "truc-ban@so.example.vn, lanh-dao@so.example.vn",
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "alert_webhook_url": http.url + "/hook",
        "alert_webhook_secret": "khoa-bi-mat-thu-nghiem", "telegram_bot_token": "123:ABC",
        "telegram_chat_id": "-1001", "telegram_api_base": http.url, "alert_timeout": 5.0, **extra})


def _risky_rows(n: int, now: datetime) -> list[dict]:
    return [{"id": f"r{i}", "source": "trang-x", "text": f"Tin giả số {i} về dịch bệnh {i * 31}",
             "published_at": (now - timedelta(minutes=5 * i)).isoformat() + "+00:00",
             "extra": {"demo": {"category": "fake_news"}}} for i in range(n)]


def test_high_risk_alert_delivered_on_all_channels(store, settings, servers):
    from vimon.alerts.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
    from vimon.alerts.service import run
    from vimon.store.base import utcnow

    smtp, http = servers
    s = _settings(settings, smtp, http, alert_risk_threshold=0.75)
    now = utcnow()
    run_rows(store, s, _risky_rows(1, now))
    res = run(store, s, now)
    assert res["sent"] == 1, res
    # e-mail
    assert len(smtp.messages) == 1
    msg = email.message_from_bytes(smtp.messages[0]["data"])
    assert "Tin rủi ro cao" in str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    assert len(smtp.messages[0]["rcpt"]) == 2
    # webhook, signed
    hook = [r for r in http.requests if r["path"] == "/hook"][0]
    sig, ts = hook["headers"][SIGNATURE_HEADER], hook["headers"][TIMESTAMP_HEADER]
    assert verify("khoa-bi-mat-thu-nghiem", ts, hook["body"], sig)
    assert not verify("sai-khoa", ts, hook["body"], sig)
    assert not verify("khoa-bi-mat-thu-nghiem", ts, hook["body"] + b" ", sig)
    assert json.loads(hook["body"])["kind"] == "risk"
    # telegram
    tg = [r for r in http.requests if r["path"] == "/bot123:ABC/sendMessage"][0]
    assert json.loads(tg["body"])["chat_id"] == "-1001"
    # history
    alerts, _ = store.list_alerts()
    assert alerts[0]["status"] == "sent"
    assert alerts[0]["deliveries"] == {"email": "ok", "webhook": "ok", "telegram": "ok"}


def test_alerts_are_deduplicated(store, settings, servers):
    from vimon.alerts.service import run
    from vimon.store.base import utcnow

    smtp, http = servers
    s = _settings(settings, smtp, http, alert_risk_threshold=0.75)
    now = utcnow()
    run_rows(store, s, _risky_rows(2, now))
    assert run(store, s, now)["sent"] == 2
    store.set_state("alerts:risk_since", (now - timedelta(days=1)).isoformat())
    assert run(store, s, now + timedelta(minutes=5)) == {"created": 0, "sent": 0, "failed": 0,
                                                         "throttled": 0, "recorded": 0}
    assert len(smtp.messages) == 2


def test_throttling_keeps_the_rest_in_history(store, settings, servers):
    from vimon.alerts.service import run
    from vimon.store.base import utcnow

    smtp, http = servers
    s = _settings(settings, smtp, http, alert_risk_threshold=0.75, alert_max_per_hour=3)
    now = utcnow()
    run_rows(store, s, _risky_rows(5, now))
    res = run(store, s, now)
    assert res["sent"] == 3 and res["throttled"] == 2
    rows, total = store.list_alerts()
    assert total == 5 and sorted(r["status"] for r in rows) == ["sent"] * 3 + ["throttled"] * 2


def test_failed_delivery_is_recorded_and_retried(store, settings, servers):
    from vimon.alerts.service import deliver_pending, run
    from vimon.store.base import utcnow

    smtp, http = servers
    s = _settings(settings, smtp, http, alert_risk_threshold=0.75, alert_email_to=None,
                  telegram_bot_token=None)
    http.status = 500
    now = utcnow()
    run_rows(store, s, _risky_rows(1, now))
    assert run(store, s, now)["failed"] == 1
    a = store.list_alerts()[0][0]
    assert a["status"] == "failed" and a["deliveries"]["webhook"].startswith("error")
    http.status = 200
    assert deliver_pending(store, s, now)["sent"] == 1


def test_burst_alert_on_a_rising_series(store, settings, servers):
    """A quiet week, then one hour with many items: a burst alert on the 'all' series."""
    from vimon.alerts.service import run
    from vimon.store.base import utcnow

    smtp, http = servers
    s = _settings(settings, smtp, http, alert_risk_threshold=2.0)
    now = utcnow().replace(minute=30, second=0, microsecond=0)
    rows = []
    for h in range(24 * 10, 1, -1):  # two items an hour for ten days
        for k in range(2):
            rows.append({"id": f"q{h}-{k}", "source": f"nguon-{k}",
                         "text": f"Tin thường lệ giờ {h} số {k} {h * 131 + k}",
                         "published_at": (now - timedelta(hours=h)).isoformat() + "+00:00"})
    for k in range(40):  # a burst in the last complete hour
        rows.append({"id": f"b{k}", "source": f"nguon-{k % 5}", "text": f"Sự cố {k} mã {k * 977}",
                     "published_at": (now - timedelta(hours=1)).isoformat() + "+00:00"})
    run_rows(store, s, rows)
    res = run(store, s, now)
    bursts = [a for a in store.list_alerts()[0] if a["dedupe_key"].startswith("burst:all:")]
    assert bursts and bursts[0]["detail"]["count"] >= 40, res
    assert bursts[0]["status"] == "sent"
