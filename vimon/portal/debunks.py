"""Published debunks: a supervisor publishes the claim, the verdict, the correction and its
sources; the public reads them as HTML (with schema.org ClaimReview JSON-LD) and RSS. On
publication every stored item and report is matched against the claim; matches are flagged
in the review queue and linked to the reporters' tickets."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any
from xml.etree import ElementTree as ET

import orjson

from vimon.auth import roles
from vimon.portal import reports as rp
from vimon.text import fold, normalize
from vimon.workflow import matching, review
from vimon.workflow.cases import Forbidden, WorkflowError, get_case_for


def verdicts() -> dict[str, dict[str, Any]]:
    return rp.portal_data()["verdicts"]


def slugify(text: str, store: Any) -> str:
    base = "-".join(re.findall(r"[a-z0-9]+", fold(text))[:10])[:80] or "cai-chinh"
    slug, n = base, 2
    while store.slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def publish(store: Any, settings: Any, user: dict[str, Any], *, claim: str, verdict: str,
            correction: str, sources: list[str], case_id: int | None = None) -> dict[str, Any]:
    if not roles.can(user, "debunk.publish"):
        raise Forbidden("VM-WF-403", "Chỉ lãnh đạo được công bố bài cải chính / supervisors only")
    claim, correction = normalize(claim.strip()), normalize(correction.strip())
    if not claim or not correction:
        raise WorkflowError("VM-DBK-001", "Cần nhận định và nội dung cải chính / claim and correction "
                            "are required")
    if verdict not in verdicts():
        raise WorkflowError("VM-DBK-002", f"Kết luận không hợp lệ / unknown verdict {verdict!r}")
    if case_id is not None:
        get_case_for(store, user, case_id)
    srcs = [s.strip()[:500] for s in sources if s.strip()][:20]
    row = {"slug": slugify(claim, store), "claim": claim[:2000], "claim_folded": fold(claim)[:2000],
           "verdict": verdict, "correction": correction[:20000], "sources": srcs, "case_id": case_id}
    did = store.add_debunk(row, user["username"])
    rp.forget_claims()
    debunk = store.get_debunk(debunk_id=did)
    claims = [{**debunk, "_pairs": matching.pairs(debunk["claim_folded"])}]
    flagged = review.match_new_items(store, settings, claims=claims, from_start=True)
    scored = {r["id"]: m["score"] for r in store.reports_for_matching()
              for m in matching.match(claims, r["folded"], settings.debunk_match_threshold)}
    store.link_reports_to_debunk(did, scored)
    return {"id": did, "slug": row["slug"], "flagged_items": flagged, "linked_reports": len(scored)}


def claim_review(debunk: dict[str, Any], url: str, org: str) -> dict[str, Any]:
    v = verdicts().get(debunk["verdict"], {"label": debunk["verdict"], "rating": 1})
    published = debunk["published_at"].replace(tzinfo=UTC).isoformat()
    return {
        "@context": "https://schema.org", "@type": "ClaimReview", "url": url,
        "datePublished": published, "claimReviewed": debunk["claim"], "inLanguage": "vi",
        "author": {"@type": "Organization", "name": org},
        "reviewRating": {"@type": "Rating", "ratingValue": v["rating"], "bestRating": 5,
                         "worstRating": 1, "alternateName": v["label"]},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Organization", "name": "Không rõ"},
                         "appearance": [s for s in (debunk.get("sources") or [])
                                        if s.startswith("http")][:5]},
    }


def jsonld_text(data: dict[str, Any]) -> str:
    """JSON for a <script type="application/ld+json"> block: '<', '>' and '&' escaped, so a
    claim containing "</script>" cannot end the block."""
    raw = orjson.dumps(data).decode()
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def rss(debunks: list[dict[str, Any]], base_url: str, org: str) -> bytes:
    from email.utils import format_datetime

    root = ET.Element("rss", version="2.0")
    ch = ET.SubElement(root, "channel")
    ET.SubElement(ch, "title").text = f"Cải chính thông tin sai — {org}"
    ET.SubElement(ch, "link").text = base_url + "/debunks"
    ET.SubElement(ch, "description").text = "Các thông tin sai sự thật đã được xác minh và cải chính."
    ET.SubElement(ch, "language").text = "vi"
    for d in debunks:
        it = ET.SubElement(ch, "item")
        label = verdicts().get(d["verdict"], {}).get("label", d["verdict"])
        ET.SubElement(it, "title").text = f"[{label}] {d['claim'][:200]}"
        link = f"{base_url}/debunks/{d['slug']}"
        ET.SubElement(it, "link").text = link
        ET.SubElement(it, "guid").text = link
        ET.SubElement(it, "description").text = d["correction"][:2000]
        ET.SubElement(it, "pubDate").text = format_datetime(d["published_at"].replace(tzinfo=UTC))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
