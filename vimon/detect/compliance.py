"""Aggregator-site compliance ("báo hóa"): rules checked on every article of a licensed
aggregator site (trang thông tin điện tử tổng hợp).

Kiểm tra tuân thủ của trang tổng hợp theo Nghị định 147/2024/NĐ-CP (thay thế Nghị định
72/2013/NĐ-CP và 27/2018/NĐ-CP): trang tổng hợp chỉ đăng lại thông tin từ nguồn chính thức, phải
ghi rõ nguồn (tên cơ quan báo chí/cơ quan nhà nước, tác giả, thời gian) và không được tự sản
xuất tin như một cơ quan báo chí, không đặt tên, trình bày theo kiểu báo. Mỗi phát hiện nêu
quy tắc và bằng chứng; đây là gợi ý để cán bộ xem xét, không phải kết luận vi phạm. Đối chiếu
điều, khoản cụ thể với văn bản chính thức trước khi dùng trong biên bản.

Rules (``RULES``): ``nguon_goc`` original source named; ``lien_ket_goc`` original linked;
``khong_tu_san_xuat`` no own reporting presented as the site's; ``ten_kieu_bao`` no
newspaper-style name or self-description. Evidence: the text that breaks a rule, or the
earlier item of another site in the same near-duplicate cluster (the likely original).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vimon.text import fold

DECREE = "Nghị định 147/2024/NĐ-CP"
RULES: dict[str, dict[str, str]] = {
    "nguon_goc": {
        "severity": "violation",
        "title": "Ghi rõ nguồn gốc tin / original source named",
        "explain": f"{DECREE}: trang tổng hợp phải ghi rõ nguồn (tên cơ quan chủ quản nguồn tin, "
                   "tác giả, thời gian đăng) khi đăng lại thông tin. An aggregator must name the "
                   "original source of what it republishes.",
    },
    "lien_ket_goc": {
        "severity": "warning",
        "title": "Dẫn liên kết tới bài gốc / original linked",
        "explain": f"{DECREE}: nên dẫn đường liên kết tới bài gốc để người đọc kiểm chứng. "
                   "The original should be linked.",
    },
    "khong_tu_san_xuat": {
        "severity": "violation",
        "title": "Không tự sản xuất tin như báo chí / no own reporting",
        "explain": f"{DECREE}: trang tổng hợp không được tự sản xuất tin, bài (phóng viên, tòa "
                   "soạn, 'theo ghi nhận của phóng viên'). An aggregator may not present original "
                   "reporting as its own.",
    },
    "ten_kieu_bao": {
        "severity": "violation",
        "title": "Không đặt tên, tự xưng theo kiểu báo / no newspaper-style naming",
        "explain": f"{DECREE}: tên, cách trình bày của trang tổng hợp không được gây nhầm lẫn là "
                   "cơ quan báo chí ('Báo …', 'Tạp chí …', 'tòa soạn'). No newspaper-like name.",
    },
}

# Attribution, on folded text: a closing "(Theo Tin Thủ Đô)" or a last line "Nguồn: …",
# "Theo …", "Trích từ …", "Dẫn theo …"; "theo" inside a sentence is speech, not attribution.
_ATTRIB_END = re.compile(r"(?:\(\s*(?:theo|nguon(?: tin)?\s*:?|trich tu|dan theo)\s+([^()\n]{2,80})\)"
                         r"|(?:^|\n)\s*(?:theo|nguon(?: tin)?\s*:|trich tu|dan theo)\s+([^\n.,;!?]{2,80}?))"
                         r"\s*[.]?\s*$")
_ATTRIB_START = re.compile(r"^\s*\(?(?:theo|nguon(?: tin)?\s*:)\s+([^()\n,]{2,60})\)?\s*[-–:]")
_LINK = re.compile(r"https?://[^\s)\]]+")
_REPORTING = [
    (re.compile(r"\bphong vien\b"), "nhắc tới phóng viên của trang / mentions its own reporter"),
    (re.compile(r"(?:^|\W)pv(?:\W|$)"), "ký tên 'PV' / signed 'PV'"),
    (re.compile(r"\btoa soan\b"), "nhắc tới tòa soạn / mentions a newsroom"),
    (re.compile(r"\bbao chung toi\b"), "tự xưng 'báo chúng tôi' / calls itself 'our paper'"),
    (re.compile(r"\b(?:tiep tuc|se) thong tin toi ban doc\b"),
     "hứa 'sẽ tiếp tục thông tin tới bạn đọc' như báo / promises follow-up reporting"),
    (re.compile(r"\bghi nhan cua (?:phong vien|pv)\b"), "'theo ghi nhận của phóng viên'"),
]
_PRESS_NAME = re.compile(r"^(?:bao|tap chi|thoi bao|nhat bao|tuan bao|bao dien tu)\b|"
                         r"\b(?:bao dien tu|tap chi dien tu|thoi bao|nhat bao)\b")
_DATE_EXTRA = ("original_url", "source_url", "canonical", "link", "links")


@dataclass
class Finding:
    rule: str
    evidence: dict[str, Any] = field(default_factory=dict)
    item_id: int | None = None
    published_at: datetime | None = None

    @property
    def severity(self) -> str:
        return RULES[self.rule]["severity"]

    def row(self) -> dict[str, Any]:
        ev = dict(self.evidence)
        ev.setdefault("explain", RULES[self.rule]["explain"])
        return {"item_id": self.item_id, "rule": self.rule, "severity": self.severity,
                "evidence": ev, "published_at": self.published_at}


def site_name_findings(site: dict[str, Any]) -> list[Finding]:
    name = fold(re.sub(r"\s*\((?:demo)\)\s*$", "", site.get("name") or ""))
    m = _PRESS_NAME.search(name)
    if not m:
        return []
    return [Finding("ten_kieu_bao", {"quote": site.get("name"),
                                     "why": f"tên trang có «{m.group(0).strip()}» / the site's "
                                            "name reads like a newspaper's"})]


def attribution(text: str, extra: dict[str, Any] | None) -> str | None:
    """The named original source, if the article names one."""
    extra = extra or {}
    for key in ("source_name", "original_source", "via"):
        if isinstance(extra.get(key), str) and extra[key].strip():
            return str(extra[key]).strip()
    folded = fold(_LINK.sub("", text).strip())  # "(Theo X) https://…": the link follows the name
    m = _ATTRIB_END.search(folded) or _ATTRIB_START.search(folded)
    if m:
        return next(g for g in m.groups() if g).strip(" .:-")
    return None


def link(text: str, extra: dict[str, Any] | None, own_host: str | None) -> str | None:
    extra = extra or {}
    for key in _DATE_EXTRA:
        v = extra.get(key)
        if isinstance(v, str) and v.startswith("http"):
            return v
        if isinstance(v, list) and v and isinstance(v[0], str):
            return v[0]
    for url in _LINK.findall(text):
        if not own_host or own_host not in url:
            return url
    return None


def check_article(article: dict[str, Any], site: dict[str, Any],
                  originals: list[dict[str, Any]]) -> list[Finding]:
    """Findings for one article; ``originals``: earlier items of other sites in its cluster."""
    text = article.get("text") or ""
    folded = fold(text)
    extra = article.get("extra") or {}
    found: list[Finding] = []
    base = {"title": article.get("title"), "url": article.get("url")}
    named = attribution(text, extra)
    first = originals[0] if originals else None
    if named is None:
        why = "không thấy 'Theo …' hay 'Nguồn: …' / no 'Theo …' or 'Nguồn: …'"
        ev: dict[str, Any] = {**base}
        if first:
            ev["original"] = {"item_id": first["id"], "source": first["source"],
                              "source_name": first.get("source_name"), "url": first.get("url"),
                              "published_at": first["published_at"].isoformat()
                              if first.get("published_at") else None}
            why += (f"; nội dung trùng bài của «{first.get('source_name') or first['source']}» "
                    "đăng trước / same story published earlier by another site")
        found.append(Finding("nguon_goc", {**ev, "why": why}))
    own_host = re.sub(r"^https?://", "", site.get("url") or "").split("/")[0] or None
    if link(text, extra, own_host) is None:
        found.append(Finding("lien_ket_goc", {**base, "why": "không có đường dẫn tới bài gốc / "
                                                            "no link to the original"}))
    reasons = [why for rx, why in _REPORTING if rx.search(folded)]
    author = fold(article.get("author") or "")
    if author in ("pv", "phong vien", "nhom pv", "nhom phong vien"):
        reasons.append(f"tác giả «{article.get('author')}» / byline")
    if reasons:
        found.append(Finding("khong_tu_san_xuat", {**base, "why": "; ".join(reasons)}))
    site_name = fold(re.sub(r"\s*\(demo\)\s*$", "", site.get("name") or ""))
    if site_name and _PRESS_NAME.search(site_name) and site_name in folded:
        found.append(Finding("ten_kieu_bao", {**base, "why": "bài tự xưng bằng tên kiểu báo "
                                                         f"«{site.get('name')}» / self-described "
                                                         "with the newspaper-like name"}))
    for f in found:
        f.item_id = article["id"]
        f.published_at = article.get("published_at")
    return found


def check_site(store: Any, site: dict[str, Any], route: bool = True) -> dict[str, Any]:
    """Check every article of one aggregator site; store the findings (replacing the previous
    run's) and put violations on the review queue. Returns counts."""
    articles = store.source_articles(site["id"])
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.cluster_rows([a["cluster_id"] for a in articles if a["cluster_id"]]):
        members[r["cluster_id"]].append(r)
    findings = site_name_findings(site)
    for a in articles:
        when = a.get("published_at") or datetime.max
        originals = [m for m in members.get(a["cluster_id"] or "", [])
                     if m["source_id"] != site["id"] and (m.get("published_at") or datetime.max) <= when]
        findings += check_article(a, site, originals)
    store.replace_compliance_findings(site["id"], [f.row() for f in findings])
    routed = 0
    if route:
        rows = [{"item_id": f.item_id, "kind": "compliance", "ref": f"compliance:{f.rule}",
                 "score": 0.8, "detail": {"rule": f.rule, "title": RULES[f.rule]["title"],
                                          **f.row()["evidence"]}}
                for f in findings if f.item_id and f.severity == "violation"]
        routed = store.add_flags(rows) if rows else 0
    bad = {f.item_id for f in findings if f.item_id and f.severity == "violation"}
    return {"source": site["key"], "articles": len(articles), "violating": len(bad),
            "findings": len(findings), "routed": routed}


def check_all(store: Any, route: bool = True) -> list[dict[str, Any]]:
    return [check_site(store, s, route) for s in store.aggregator_sources()]


def _week(dt: datetime | None) -> str:
    if dt is None:
        return "—"
    local = dt + timedelta(hours=7)
    monday = (local - timedelta(days=local.weekday())).date()
    return monday.isoformat()


def report(store: Any, source_key: str | None = None) -> list[dict[str, Any]]:
    """Per aggregator site: articles, violating articles and rate, by week, with evidence."""
    out = []
    for site in store.aggregator_sources():
        if source_key and site["key"] != source_key:
            continue
        articles = store.source_articles(site["id"])
        findings = store.compliance_findings_of(site["id"])
        by_item: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for f in findings:
            if f["item_id"]:
                by_item[f["item_id"]].append(f)
        weeks: dict[str, dict[str, int]] = defaultdict(lambda: {"articles": 0, "violating": 0})
        for a in articles:
            w = weeks[_week(a["published_at"])]
            w["articles"] += 1
            if any(f["severity"] == "violation" for f in by_item.get(a["id"], [])):
                w["violating"] += 1
        offending = [
            {"item_id": iid, "title": fs[0]["title"], "url": fs[0]["url"],
             "published_at": fs[0]["published_at"],
             "rules": [{"rule": f["rule"], "severity": f["severity"],
                        "title": RULES[f["rule"]]["title"], "evidence": f["evidence"]} for f in fs]}
            for iid, fs in by_item.items() if any(f["severity"] == "violation" for f in fs)]
        offending.sort(key=lambda r: r["published_at"] or datetime.min, reverse=True)
        n_bad = len(offending)
        out.append({
            "source": site["key"], "name": site["name"], "licence": site.get("licence"),
            "articles": len(articles), "violating": n_bad,
            "rate": round(n_bad / len(articles), 3) if articles else 0.0,
            "site_findings": [{"rule": f["rule"], "title": RULES[f["rule"]]["title"],
                               "evidence": f["evidence"]} for f in findings if not f["item_id"]],
            "weeks": [{"week": k, **v, "rate": round(v["violating"] / v["articles"], 3)}
                      for k, v in sorted(weeks.items())],
            "offending": offending,
        })
    return out


__all__ = ["DECREE", "RULES", "Finding", "check_all", "check_article", "check_site", "report"]
