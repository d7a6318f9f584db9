"""Published debunks: ClaimReview JSON-LD, RSS, and tickets that see the debunk."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient

from vimon.auth.secrets import ContactCipher, secret_key
from vimon.portal import debunks
from vimon.portal import reports as rp

BOSS = {"username": "sep", "role": "supervisor", "active": True}
CLAIM = "Uống nước chanh nóng chữa khỏi bệnh sốt xuất huyết </script><script>alert(1)</script>"


def test_public_pages_feed_and_ticket(store, settings):
    from vimon.web.app import create_app

    rep = rp.submit(store, settings, rp.Submission(
        category="tin_sai", text="Chia sẻ: uống nước chanh nóng chữa khỏi bệnh sốt xuất huyết nhé"),
        "n", ContactCipher(secret_key(settings)))
    res = debunks.publish(store, settings, BOSS, claim=CLAIM, verdict="tin_gia",
                          correction="Bộ Y tế khẳng định không có tác dụng.",
                          sources=["https://moh.gov.vn/x"])
    assert res["linked_reports"] == 1
    c = TestClient(create_app(store, settings))
    page = c.get(f"/debunks/{res['slug']}")
    assert page.status_code == 200 and "<script>alert(1)" not in page.text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "ClaimReview" and data["reviewRating"]["alternateName"] == "Tin giả"
    assert data["claimReviewed"].startswith("Uống nước chanh")
    rss = ET.fromstring(c.get("/debunks.rss").content)
    assert rss.find("channel/item/title").text.startswith("[Tin giả] Uống nước chanh")
    ticket = c.get(f"/report/{rep['ticket']}.json").json()["ticket"]
    assert ticket["debunks"][0]["slug"] == res["slug"]
    assert c.get("/debunks.json").json()["debunks"][0]["slug"] == res["slug"]
