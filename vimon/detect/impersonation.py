"""Impersonation of official agencies: look-alike page/account names, authors and domains.

Phát hiện mạo danh cơ quan nhà nước: so tên trang, tài khoản, tác giả và tên miền với sổ đăng
ký cơ quan chính thức (``data/official_registry.json`` + phường/xã, quận/huyện trong
``data/hanoi_units.json``). Mỗi cờ là gợi ý cho cán bộ, kèm cơ quan bị giả danh và lý do.

How a name is compared:
1. NFKC (full-width and "mathematical" letters become plain), invisible characters removed,
   homoglyphs (Cyrillic/Greek letters that look Latin) mapped to their Latin skeleton, then
   ``vimon.text.fold`` (no diacritics, đ → d).
2. Punctuation and spacing tricks go: "U.B.N.D", "U B N D" → "ubnd"; "GD&ĐT" → "gddt";
   letters written as digits inside words ("C0ng") are read back.
3. Abbreviations expand (UBND, CA, BV, THPT, TTĐT, TP, P., Q., …), "và" is dropped.
4. A name *claims* an entity when it contains one of the entity's type phrases exactly
   ("uy ban nhan dan phuong") followed by its proper name, compared with rapidfuzz (typos
   allowed, ``NAME_MIN``). A long squashed token ("ubndphuongphucxa") is matched as a whole.
   A claim preceded by a community word ("Cư dân", "Hội phụ huynh", "Cựu học sinh") is a
   reference to the entity, not a claim to be it.
5. A claim from an account that is not the entity's verified account is flagged.

Domains: verified domains (and their subdomains; any ``*.gov.vn``) are official. Otherwise a
domain is a look-alike of an official one when its name part is the same under another
suffix, within a small edit distance (typosquat), or the official name plus "gov" or service
words (``dichvucong``, ``xacthuc``, ``tracuu``…).

An account the registry or an operator marks as official is never flagged.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from vimon.text import fold

# Calibrated on tests/detect/data/impersonation_cases.jsonl (248 cases): 88 separates real
# typos ("phuc xaa", "bach maii") from other places ("hang bong"/"hang trong" = 84).
NAME_MIN = 88
# A squashed handle-like token must contain the claim almost verbatim.
COMPACT_MIN = 94
MIN_COMPACT_TOKEN = 10

# Latin skeleton of letters from other scripts that render like Latin ones.
_HOMO_FROM = "АВЕЅІЈКМНОРСТУХаеѕіјорсуххԁһӏԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαειικνορτυχϲıɑǀ"
_HOMO_TO = "ABESIJKMHOPCTYXaesijopcyxxdhlqwABEZHIKMNOPTYXaeiikvoptuxcial"
HOMOGLYPHS = str.maketrans(_HOMO_FROM, _HOMO_TO)
_LEET = str.maketrans("013457", "oieast")

ABBREVIATIONS: dict[str, str] = {
    "ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "ca": "cong an",
    "catp": "cong an thanh pho", "cand": "cong an nhan dan", "csgt": "canh sat giao thong",
    "bv": "benh vien", "bvdk": "benh vien da khoa", "thpt": "trung hoc pho thong",
    "thcs": "trung hoc co so", "ttdt": "thong tin dien tu", "cttdt": "cong thong tin dien tu",
    "tp": "thanh pho", "hn": "ha noi", "p": "phuong", "q": "quan", "tx": "thi xa",
    "tttt": "thong tin truyen thong", "gddt": "giao duc dao tao", "khcn": "khoa hoc cong nghe",
    "vhtt": "van hoa the thao", "tnmt": "tai nguyen moi truong", "gtvt": "giao thong van tai",
    "pccc": "phong chay chua chay", "cnch": "cuu nan cuu ho", "ttyt": "trung tam y te",
    "dvc": "dich vu cong", "hanoi": "ha noi",
}
DROP = {"va"}
# Words before a claim that make it a reference to the entity, not a claim to be it.
QUALIFIERS = {
    ("cu", "dan"), ("hoi",), ("nhom",), ("cong", "dong"), ("fan",), ("fanclub",), ("cuu",),
    ("hoc", "sinh"), ("phu", "huynh"), ("clb",), ("cau", "lac", "bo"), ("confession",),
    ("confessions",), ("ban", "doc"), ("yeu",), ("review",), ("bao",), ("tap", "chi"),
    ("gan",), ("canh",), ("quan", "an"), ("nha", "thuoc"),
}
SERVICE_WORDS = ("dichvucong", "dvc", "hotro", "xacthuc", "dangky", "dangki", "thanhtoan",
                 "nopphat", "phatnguoi", "tracuu", "online", "login", "dangnhap", "verify",
                 "secure", "support", "cskh", "portal", "datlich", "tuyensinh", "cccd", "vneid",
                 "chinhphu", "khaibao", "canhan", "taikhoan")
PRETEND = ("gov", "edu")  # words of restricted suffixes, faked inside a name
SUFFIXES = ("gov.vn", "com.vn", "net.vn", "org.vn", "edu.vn", "info.vn", "vn", "com", "net",
            "org", "info", "xyz", "online", "site", "top", "io", "me", "cc", "asia", "biz",
            "click", "shop", "store", "app", "link", "live", "pro", "tk", "ml", "ga")
# Handle words that carry no identity (".demo" marks the fictional demo accounts).
HANDLE_NOISE = {"demo", "official", "vn", "www", "page", "fb", "groups", "profile"}

TRICK_TEXT = {
    "homoglyph": "ký tự đồng hình (chữ Kirin/Hy Lạp giống chữ Latinh) / homoglyphs",
    "invisible": "ký tự vô hình / invisible characters",
    "compat": "chữ kiểu đặc biệt (toàn độ rộng, toán học) / styled letters",
    "spacing": "tách chữ bằng khoảng trắng hoặc dấu chấm / spaced-out letters",
    "leet": "chữ số thay chữ cái / digits for letters",
    "no_diacritics": "viết không dấu / written without diacritics",
    "abbreviation": "viết tắt / abbreviation",
    "extra_words": "thêm chữ quanh tên cơ quan / extra words around the agency name",
    "typo": "sai chính tả có chủ ý trong tên / misspelt name",
    "squashed": "viết liền không cách / squashed into one word",
}


@dataclass
class Normalized:
    tokens: list[str]
    raw_tokens: list[str]
    tricks: set[str] = field(default_factory=set)
    homoglyphs: list[str] = field(default_factory=list)


def normalize_name(text: str, expand: bool = True) -> Normalized:
    """Skeleton tokens of a name, with the tricks noticed on the way (``expand``: read
    abbreviations out)."""
    tricks: set[str] = set()
    nfc = unicodedata.normalize("NFC", text or "")
    s = unicodedata.normalize("NFKC", nfc)
    if s != nfc:
        tricks.add("compat")
    visible = "".join(c for c in s if unicodedata.category(c) != "Cf")
    if visible != s:
        tricks.add("invisible")
    decomposed = unicodedata.normalize("NFD", visible)
    mapped = decomposed.translate(HOMOGLYPHS)
    found = [f"{c} U+{ord(c):04X}" for c in dict.fromkeys(decomposed) if c in _HOMO_FROM]
    if found:
        tricks.add("homoglyph")
    folded = fold(unicodedata.normalize("NFC", mapped))
    folded = re.sub(r"(?<=[a-z])\s*&\s*(?=[a-z])", "", folded)
    raw = re.findall(r"[a-z0-9]+", folded)
    merged: list[str] = []
    run: list[str] = []
    for t in [*raw, ""]:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if len(run) >= 2:
            merged.extend(_split_run("".join(run)))
            tricks.add("spacing")
        else:
            merged.extend(run)
        run = []
        if t:
            merged.append(t)
    out: list[str] = []
    for t in merged:
        if not t.isdigit() and not t.isalpha() and any(c.isalpha() for c in t):
            leet = t.translate(_LEET)
            if leet.isalpha():
                t = leet
                tricks.add("leet")
        exp = ABBREVIATIONS.get(t) if expand else None
        if exp:
            if t not in ("hanoi",):
                tricks.add("abbreviation")
            out.extend(exp.split())
        elif t not in DROP:
            out.append(t)
    return Normalized(tokens=out, raw_tokens=merged, tricks=tricks, homoglyphs=found)


def _split_run(run: str) -> list[str]:
    """Spaced-out letters joined back: "ubndp" (from "U.B.N.D P.") → ["ubnd", "p"]."""
    if run in ABBREVIATIONS:
        return [run]
    for cut in range(len(run) - 1, 0, -1):
        if run[:cut] in ABBREVIATIONS and run[cut:] in ABBREVIATIONS:
            return [run[:cut], run[cut:]]
    return [run]


def _compact(text: str, expand: bool) -> str:
    norm = normalize_name(text)
    return "".join(norm.tokens if expand else norm.raw_tokens)


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(normalize_name(text).tokens)


@dataclass
class Entity:
    key: str
    kind: str
    name: str
    pairs: list[tuple[str, str]]  # (type phrase, proper name) as written
    domains: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    compacts: list[str] = field(default_factory=list)
    claims: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.claims = [(_phrase(t), _phrase(n)) for t, n in self.pairs]


@dataclass
class Verdict:
    status: str  # official | impostor | clear
    subject: str
    entity_key: str | None = None
    entity_name: str | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    tricks: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.status == "impostor"

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "subject": self.subject, "entity_key": self.entity_key,
                "entity_name": self.entity_name, "score": round(self.score, 3),
                "reasons": self.reasons, "tricks": self.tricks}


def account_key(url: str | None) -> str:
    """A comparable form of a page/account URL: host without www/m + path, lower case."""
    if not url:
        return ""
    parts = urlsplit(url if "//" in url else "//" + url)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile.", "web."):
        host = host.removeprefix(prefix)
    host = {"fb.com": "facebook.com"}.get(host, host)
    return (host + parts.path.rstrip("/")).lower()


def _handle_compact(key: str) -> str:
    path = key.split("/", 1)[1] if "/" in key else ""
    words = [w for w in re.split(r"[./_@\-]+", path) if w and w not in HANDLE_NOISE]
    return "".join(words)


def host_of(value: str) -> str:
    value = value.strip().lower()
    if "//" in value or "/" in value:
        value = urlsplit(value if "//" in value else "//" + value).hostname or ""
    value = value.strip(".").removeprefix("www.")
    labels = []
    for label in value.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def split_domain(host: str) -> tuple[list[str], str]:
    """(name labels, public suffix) of a host name."""
    for suf in SUFFIXES:
        if host == suf:
            return [], suf
        if host.endswith("." + suf):
            return host[: -len(suf) - 1].split("."), suf
    labels = host.split(".")
    return labels[:-1], labels[-1]


class Registry:
    def __init__(self, data: dict[str, Any], units: dict[str, Any]) -> None:
        self.entities: dict[str, Entity] = {}
        self.verified_domains: set[str] = set(data.get("verified_domains", []))
        self._build_units(data, units)
        for e in data["entities"]:
            if e.get("extends"):
                target = self.entities[e["extends"]]
                target.accounts += e.get("accounts", [])
                target.domains += e.get("domains", [])
                continue
            pairs = [(t, n) for t in e["types"] for n in e["names"]]
            self._add(Entity(e["key"], e["kind"], e["name"], pairs, list(e.get("domains", [])),
                             list(e.get("accounts", []))))
        self.account_keys: dict[str, str] = {}
        self.handles: dict[str, str] = {}
        for ent in self.entities.values():
            self.verified_domains.update(ent.domains)
            for a in ent.accounts:
                k = account_key(a)
                self.account_keys[k] = ent.key
                if len(_handle_compact(k)) >= 6:
                    self.handles[_handle_compact(k)] = ent.key
            ent.compacts = sorted({_compact(t, x) + _compact(n, x) for t, n in ent.pairs
                                   for x in (True, False)}, key=len, reverse=True)
        self.domain_owner: dict[str, str] = {}
        for ent in self.entities.values():
            for d in ent.domains:
                self.domain_owner[d] = ent.key
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], str]]] = {}
        for ent in self.entities.values():
            for t, n in ent.claims:
                if t and n:
                    self._by_first.setdefault(t[0], []).append((t, n, ent.key))

    def _add(self, e: Entity) -> None:
        self.entities[e.key] = e

    def _build_units(self, data: dict[str, Any], units: dict[str, Any]) -> None:
        def slug(name: str) -> str:
            return "-".join(_phrase(name))

        wards = [(u["name"], u["type"]) for u in units.get("units_2025", [])]
        wards += [(w["name"], "phường") for w in data.get("former_wards", [])]
        for name, typ in wards:
            key = slug(name)
            types = data["ward_types"] if typ == "phường" else data["commune_types"]
            label = "phường" if typ == "phường" else "xã"
            if f"ward:{key}" not in self.entities:
                self._add(Entity(f"ward:{key}", "ward", f"UBND {label} {name}",
                                 [(t, name) for t in types]))
                self._add(Entity(f"police-ward:{key}", "police", f"Công an {label} {name}",
                                 [(f"công an {label}", name)]))
        for d in units.get("districts", []):
            key = d["key"]
            kind = d["type"]
            types = [t for t in data["district_types"] if kind in t or "quận" not in t and
                     "huyện" not in t] or data["district_types"]
            self._add(Entity(f"district:{key}", "district", f"UBND {kind} {d['name']}",
                             [(t, d["name"]) for t in types]))
            self._add(Entity(f"police-district:{key}", "police", f"Công an {kind} {d['name']}",
                             [(f"công an {kind}", d["name"])]))

    # ------------------------------------------------------------------ names
    def match_name(self, name: str) -> Verdict:
        """Which entity a name presents itself as, if any (no account check)."""
        norm = normalize_name(name)
        toks = norm.tokens
        best: tuple[float, str, int, int, str] | None = None  # score, entity, start, end, how
        for i, tok in enumerate(toks):
            for t, n, key in self._by_first.get(tok, ()):
                k = len(t)
                if tuple(toks[i:i + k]) != t or self._qualified(toks, i):
                    continue
                j = i + k
                target = " ".join(n)
                for width in (len(n), len(n) + 1, len(n) - 1):
                    if width < 1 or j + width > len(toks):
                        continue
                    score = fuzz.ratio(" ".join(toks[j:j + width]), target)
                    if score >= NAME_MIN and (best is None or score > best[0]):
                        best = (score, key, i, j + width, "words")
        if best is None:
            for tok in norm.raw_tokens:
                if len(tok) < MIN_COMPACT_TOKEN:
                    continue
                expanded = "".join(normalize_name(tok).tokens)
                for ent in self.entities.values():
                    for c in ent.compacts:
                        for form in (expanded, tok):
                            s = 100.0 if c in form else fuzz.partial_ratio(c, form) \
                                if len(c) <= len(form) else 0.0
                            if s >= COMPACT_MIN and (best is None or s > best[0]):
                                best = (s, ent.key, 0, len(toks), "squashed")
        if best is None:
            return Verdict("clear", name, tricks=sorted(norm.tricks))
        score, key, start, end, how = best
        ent = self.entities[key]
        tricks = set(norm.tricks)
        if how == "squashed":
            tricks.add("squashed")
        if start > 0 or end < len(toks):
            tricks.add("extra_words")
        if score < 100:
            tricks.add("typo")
        if name.isascii() and fold(ent.name) != ent.name.lower():
            tricks.add("no_diacritics")
        reasons = [f"Tên tự giới thiệu là «{ent.name}» (độ giống {score:.0f}/100) / "
                   f"the name presents itself as {ent.name}"]
        if norm.homoglyphs:
            reasons.append("Ký tự đồng hình / homoglyphs: " + ", ".join(norm.homoglyphs))
        reasons += [TRICK_TEXT[t] for t in sorted(tricks) if t in TRICK_TEXT and t != "homoglyph"]
        return Verdict("claim", name, key, ent.name, score / 100, reasons, sorted(tricks))

    @staticmethod
    def _qualified(toks: list[str], start: int) -> bool:
        before = tuple(toks[max(0, start - 3):start])
        return any(before[-len(q):] == q or (len(q) == 1 and q[0] in before) for q in QUALIFIERS
                   if len(before) >= len(q))

    # ------------------------------------------------------------------ domains
    def is_verified_domain(self, host: str) -> bool:
        if not host.isascii():  # official domains are ASCII; "hаnoi.gov.vn" with a Cyrillic а is not
            return False
        return any(host == d or host.endswith("." + d) for d in self.verified_domains)

    def check_domain(self, value: str) -> Verdict:
        host = host_of(value)
        if not host:
            return Verdict("clear", value)
        if self.is_verified_domain(host):
            owner = next((k for d, k in self.domain_owner.items()
                          if host == d or host.endswith("." + d)), None)
            return Verdict("official", value, owner,
                           self.entities[owner].name if owner else None, 0.0,
                           ["Tên miền đã xác minh / verified domain"])
        labels, suffix = split_domain(host)
        skeleton = normalize_name(" ".join(labels)).raw_tokens
        parts = [p for p in re.split(r"[.\-_]", ".".join(labels)) if p]
        sk_parts = ["".join(normalize_name(p, expand=False).tokens) for p in parts]
        gov = any(p.startswith(w) or p.endswith(w) for p in sk_parts for w in PRETEND)
        core = "".join(p for p in sk_parts if p not in (*PRETEND, "vn", "com", "www"))
        for w in PRETEND if gov else ():
            core = core.replace(w, "")
        # Letter pairs that render as one letter in small type ("rn" for "m", "vv" for "w").
        cores = {core, core.replace("rn", "m"), core.replace("vv", "w")}
        tricks = sorted({t for t in normalize_name(".".join(labels)).tricks
                         if t in ("homoglyph", "compat", "invisible")})
        best: Verdict | None = None
        for d, key in self.domain_owner.items():
            if d in ("gov.vn",):
                continue
            olabels, _ = split_domain(d)
            ocore = "".join(p for p in re.split(r"[.\-_]", ".".join(olabels)) if p)
            if len(ocore) < 4:
                continue
            why = None
            score = 0.0
            cand = ocore if ocore in cores else core
            if cand == ocore:
                why, score = (f"cùng tên «{ocore}» dưới đuôi .{suffix} / same name under another "
                              "suffix or spelt with look-alike letters", 0.97)
            elif len(ocore) >= 5 and OSA.distance(cand, ocore) <= (1 if len(ocore) <= 7 else 2):
                why, score = (f"sai khác 1–2 ký tự so với «{d}» / typosquat of {d}", 0.93)
            elif ocore in cand:
                rest = cand.replace(ocore, "", 1)
                if gov or any(w in rest for w in SERVICE_WORDS) or len(ocore) >= 10:
                    why, score = (f"tên miền chính thức «{ocore}» kèm chữ thêm «{rest}» / official "
                                  "name with extra words", 0.9)
            if why and (best is None or score > best.score):
                ent = self.entities[key]
                reasons = [f"Giống tên miền chính thức {d} của {ent.name}: {why}"]
                if gov and suffix != "gov.vn":
                    reasons.append("giả dạng «gov»/«edu» ngoài đuôi .gov.vn/.edu.vn / fake 'gov' or "
                                   "'edu' outside the real suffix")
                if tricks:
                    reasons += [TRICK_TEXT[t] for t in tricks]
                best = Verdict("impostor", value, key, ent.name, score, reasons, tricks)
        if best is None:  # the domain spells an agency's name: "ubndphuongphucxa-gov.com"
            claim = self.match_name(" ".join(skeleton))
            if claim.status == "claim":
                claim.status = "impostor"
                claim.subject = value
                claim.reasons.insert(0, "Tên miền mang tên cơ quan nhưng không phải tên miền đã "
                                        "xác minh / the domain spells an agency's name")
                best = claim
        return best or Verdict("clear", value, tricks=tricks)

    # ------------------------------------------------------------------ accounts
    def check_account(self, name: str | None, url: str | None = None, *,
                      trusted: bool = False) -> Verdict:
        """An account/page (name and URL): official, impostor or clear. ``trusted``: an
        operator marked it official; such an account is never flagged."""
        key = account_key(url)
        subject = name or url or ""
        if key and key in self.account_keys:
            owner = self.account_keys[key]
            return Verdict("official", subject, owner, self.entities[owner].name, 0.0,
                           ["Tài khoản đã xác minh trong sổ đăng ký / verified account"])
        if url and "/" not in key.strip("/") and self.is_verified_domain(host_of(url)):
            return self.check_domain(url)
        if trusted:
            return Verdict("official", subject, None, None, 0.0,
                           ["Nguồn được quản trị viên đánh dấu chính thức / marked official"])
        verdict = self.match_name(name or "") if name else Verdict("clear", subject)
        if verdict.status == "claim":
            verdict.status = "impostor"
            verdict.subject = subject
            verdict.reasons.append("Không phải tài khoản/trang đã xác minh của cơ quan này / not "
                                   "the agency's verified account")
            return verdict
        if key and "/" in key:
            handle = _handle_compact(key)
            for h, owner in self.handles.items():
                if len(handle) >= 6 and (
                        h in handle or OSA.distance(handle, h) <= 2):
                    ent = self.entities[owner]
                    return Verdict("impostor", subject, owner, ent.name, 0.9,
                                   [f"Địa chỉ trang giống trang đã xác minh của {ent.name} / handle "
                                    f"mimics the verified handle «{h}»"])
        elif key:
            return self.check_domain(url or "")
        return verdict if verdict.status != "claim" else Verdict("clear", subject)

    def check(self, case: dict[str, Any]) -> Verdict:
        """One labelled case: ``{"name"?, "url"?, "domain"?}``."""
        if case.get("domain"):
            return self.check_domain(case["domain"])
        return self.check_account(case.get("name"), case.get("url"),
                                  trusted=bool(case.get("trusted")))


@lru_cache(maxsize=1)
def registry() -> Registry:
    base = resources.files("vimon.detect") / "data"
    data = json.loads((base / "official_registry.json").read_text(encoding="utf-8"))
    units = json.loads((base / "hanoi_units.json").read_text(encoding="utf-8"))
    return Registry(data, units)


__all__ = ["Registry", "Verdict", "normalize_name", "registry"]


def scan(store: Any, route: bool = True) -> dict[str, int]:
    """Check every collected source (name + URL) and every item author against the registry.
    Look-alikes are stored in ``impersonation_flags`` and, where the source or author has
    items, put on the review queue (flag kind ``impersonation``) with the imitated entity
    and the reasons. Sources an operator marked official are never flagged."""
    reg = registry()
    rows: list[dict[str, Any]] = []
    queue: list[dict[str, Any]] = []
    trusted_names: set[str] = set()
    sources = store.outreach_sources()
    for src in sources:
        trusted = bool(src.get("official")) or bool(src.get("verified"))
        if trusted:
            trusted_names.add(src.get("name") or "")
        v = reg.check_account(src.get("name") or src["key"], src.get("url"), trusted=trusted)
        if not v.flagged:
            continue
        rows.append({"subject_type": "source", "subject": src["key"], "source_id": src["id"],
                     "url": src.get("url"), "entity_key": v.entity_key or "",
                     "entity_name": v.entity_name or "", "score": v.score, "reasons": v.reasons,
                     "tricks": v.tricks})
        item_id = store.latest_item_of_source(src["id"])
        if item_id:
            queue.append({"item_id": item_id, "kind": "impersonation",
                          "ref": f"impersonation:{v.entity_key}", "score": max(v.score, 0.8),
                          "detail": {"subject": src["key"], "name": src.get("name"), **v.as_dict()}})
    by_key = {s["key"]: s for s in sources}
    for a in store.author_names():
        src = by_key.get(a["source"] or "") or {}
        name = a["author"]
        if name == src.get("name") or name in trusted_names or src.get("official"):
            continue  # a page posting as itself is checked as a source
        v = reg.match_name(name)
        if v.status != "claim":
            continue
        v.reasons.append("Tác giả xưng là cơ quan nhưng đăng từ nguồn không chính thức / an author "
                         f"speaking as the agency from «{src.get('name') or a['source']}»")
        rows.append({"subject_type": "author", "subject": name, "source_id": a["source_id"],
                     "url": None, "entity_key": v.entity_key or "", "entity_name": v.entity_name or "",
                     "score": v.score, "reasons": v.reasons, "tricks": v.tricks})
        queue.append({"item_id": a["item_id"], "kind": "impersonation",
                      "ref": f"impersonation:{v.entity_key}", "score": max(v.score, 0.8),
                      "detail": {"subject": name, **v.as_dict()}})
    added = store.save_impersonation_flags(rows)
    routed = store.add_flags(queue) if route and queue else 0
    return {"checked_sources": len(sources), "flagged": len(rows), "new": added, "routed": routed}
