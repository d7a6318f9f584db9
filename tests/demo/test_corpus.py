"""The demo corpus: shape, referential integrity, coverage of the harms, time shifting."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone

import pytest

from vimon.demo import corpus
from vimon.demo.corpus import (
    CATEGORIES,
    ITEM_KINDS,
    PLATFORMS,
    SENTIMENTS,
    SOURCE_KINDS,
    iter_items,
    load_sources,
)

START = datetime(2026, 10, 20, tzinfo=timezone(timedelta(hours=7)))
END = datetime(2026, 11, 23, tzinfo=timezone(timedelta(hours=7)))
TOPICS = {
    "giao thông", "y tế", "giáo dục", "môi trường", "an ninh trật tự", "đô thị", "văn hóa",
    "kinh tế", "chuyển đổi số", "thời tiết", "dịch vụ công",
}


@pytest.fixture(scope="module")
def sources() -> list[dict]:
    return load_sources()


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return list(iter_items())


def truth(item: dict) -> dict:
    return item["extra"]["demo"]


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = unicodedata.normalize("NFC", text).lower().split()
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


# ---------------------------------------------------------------- files are valid JSON
def test_files_are_valid_json_and_utf8() -> None:
    raw = corpus.corpus_dir().joinpath("sources.json").read_text(encoding="utf-8")
    assert isinstance(json.loads(raw), list)
    lines = corpus.items_path().read_text(encoding="utf-8").splitlines()
    assert lines, "items.jsonl is empty"
    for n, line in enumerate(lines, 1):
        obj = json.loads(line)  # raises on invalid JSON
        assert isinstance(obj, dict), f"line {n} is not an object"
        assert obj["text"] == unicodedata.normalize("NFC", obj["text"]), f"line {n} not NFC"


def test_version_is_set() -> None:
    assert isinstance(corpus.CORPUS_VERSION, str) and corpus.CORPUS_VERSION


# ---------------------------------------------------------------- sources
def test_sources_count_and_fields(sources: list[dict]) -> None:
    assert len(sources) >= 15
    keys = [s["key"] for s in sources]
    assert len(keys) == len(set(keys)), "duplicate source keys"
    for s in sources:
        for field in ("key", "name", "kind", "platform", "url", "followers", "official",
                      "district", "licence", "tags"):
            assert field in s, (s.get("key"), field)
        assert s["kind"] in SOURCE_KINDS, s
        assert s["platform"] in PLATFORMS, s
        assert isinstance(s["followers"], int) and s["followers"] >= 0
        assert isinstance(s["official"], bool)
        assert isinstance(s["tags"], list)
        assert s["url"].startswith("https://")
        host = s["url"].split("/")[2]
        # nothing real is impersonated: web sites live under .example.vn, social
        # handles are marked as demo
        assert host.endswith(".example.vn") or "demo" in s["url"], s["url"]
        if s["kind"] in ("e-newspaper", "e-magazine", "aggregator"):
            assert s["licence"] and "Giấy phép" in s["licence"], s["key"]


def test_source_mix(sources: list[dict]) -> None:
    kinds = Counter(s["kind"] for s in sources)
    assert kinds["e-newspaper"] >= 4
    assert kinds["e-magazine"] >= 1
    assert kinds["aggregator"] >= 2
    assert kinds["state-portal"] >= 1
    assert kinds["social-page"] >= 3
    assert kinds["social-group"] >= 2
    assert kinds["video-channel"] >= 1
    assert kinds["forum"] >= 1
    partners = [s for s in sources if s["kind"] == "social-page" and s["followers"] >= 50_000]
    assert partners, "no fanpage big enough to be a partner candidate"
    group_names = " ".join(s["name"] for s in sources if s["kind"] == "social-group")
    assert "Cư dân Ba Đình" in group_names and "phụ huynh" in group_names


def test_impostor_of_a_ward_page(sources: list[dict]) -> None:
    by_key = {s["key"]: s for s in sources}
    impostors = [s for s in sources if s.get("extra", {}).get("demo", {}).get("role") == "impostor"]
    assert impostors
    fake = impostors[0]
    real = by_key[fake["extra"]["demo"]["imitates"]]
    assert real["official"] and not fake["official"]
    assert fake["name"] != real["name"]
    # the lookalike tricks: a non-Latin homoglyph and a word without diacritics
    assert any(unicodedata.name(ch, "").startswith("CYRILLIC") for ch in fake["name"])
    assert "Phuong" in fake["name"]
    # yet, folded and with homoglyphs mapped, it names the same ward
    folded = fake["name"].replace("\u0425", "X")
    assert "Phúc Xá" in folded and "Phúc Xá" in real["name"]


def test_bao_hoa_aggregator_looks_like_a_newspaper(sources: list[dict], items: list[dict]) -> None:
    aggs = {s["key"]: s for s in sources if s["kind"] == "aggregator"}
    bao_hoa = {i["source"] for i in items if truth(i)["category"] == "bao_hoa"}
    assert bao_hoa and bao_hoa <= set(aggs)
    for key in bao_hoa:
        assert aggs[key]["name"].startswith("Báo "), "a báo hóa site wears a newspaper-like name"
        assert "tổng hợp" in aggs[key]["licence"]
    # its copies carry no attribution line, the compliant aggregator's do
    def attributed(item: dict) -> bool:
        last = item["text"].splitlines()[-1]
        return last.startswith(("(Theo ", "Nguồn:"))

    copied = [i for i in items if i["source"] in bao_hoa and truth(i).get("copy_of")]
    assert len(copied) >= 3 and not any(attributed(i) for i in copied)
    compliant = set(aggs) - bao_hoa
    copies = [i for i in items if i["source"] in compliant and truth(i).get("copy_of")]
    assert copies and all(attributed(i) for i in copies)


# ---------------------------------------------------------------- items
def test_item_count(items: list[dict]) -> None:
    assert len(items) >= 400


def test_every_item_has_a_known_source(items: list[dict], sources: list[dict]) -> None:
    keys = {s["key"] for s in sources}
    unknown = {i["source"] for i in items} - keys
    assert not unknown, unknown
    assert len({i["source"] for i in items}) == len(keys), "a source without items"


def test_ids_unique_per_source(items: list[dict]) -> None:
    seen = Counter((i["source"], i["id"]) for i in items)
    dups = [k for k, n in seen.items() if n > 1]
    assert not dups, dups[:5]


def test_required_fields_and_kinds(items: list[dict]) -> None:
    kinds = Counter(i["kind"] for i in items)
    assert set(kinds) == set(ITEM_KINDS), kinds
    assert kinds["comment"] >= 120
    for i in items:
        assert i["text"].strip()
        assert i["kind"] in ITEM_KINDS
        assert i["url"].startswith("https://")
        assert set(i["metrics"]) == {"likes", "shares", "comments", "views"}
        assert all(isinstance(v, int) and v >= 0 for v in i["metrics"].values())
        if i["kind"] in ("article", "video"):
            assert i.get("title"), i["id"]
        t = truth(i)
        assert t["category"] in CATEGORIES, t
        assert t["sentiment"] in SENTIMENTS, t
        assert t["topic"] in TOPICS, t


def test_text_lengths(items: list[dict]) -> None:
    bounds = {"article": (400, 1500), "post": (60, 600), "comment": (10, 250)}
    for i in items:
        if i["kind"] in bounds:
            lo, hi = bounds[i["kind"]]
            assert lo <= len(i["text"]) <= hi, (i["kind"], i["id"], len(i["text"]))


def test_comments_point_to_existing_parents(items: list[dict]) -> None:
    by_source = defaultdict(dict)
    for i in items:
        by_source[i["source"]][i["id"]] = i
    order = {(i["source"], i["id"]): n for n, i in enumerate(items)}
    for i in items:
        if i["kind"] != "comment":
            assert "parent_id" not in i
            continue
        parent = by_source[i["source"]].get(i["parent_id"])
        assert parent is not None, (i["source"], i["id"], i["parent_id"])
        assert datetime.fromisoformat(parent["published_at"]) < datetime.fromisoformat(
            i["published_at"]
        )
        assert order[(parent["source"], parent["id"])] < order[(i["source"], i["id"])]


def test_page_posts_carry_followers(items: list[dict], sources: list[dict]) -> None:
    social = {s["key"] for s in sources if s["platform"] != "web"}
    for i in items:
        if i["source"] in social and i["kind"] in ("post", "video"):
            assert isinstance(i.get("followers"), int) and i["followers"] > 0


def test_every_category_and_topic_present(items: list[dict]) -> None:
    cats = Counter(truth(i)["category"] for i in items)
    missing = set(CATEGORIES) - set(cats)
    assert not missing, missing
    assert cats["offensive"] >= 10 and cats["scam"] >= 5 and cats["fake_news"] >= 5
    assert {truth(i)["topic"] for i in items} == TOPICS
    assert {truth(i)["sentiment"] for i in items} == set(SENTIMENTS)


def test_impostor_posts_phishing(items: list[dict], sources: list[dict]) -> None:
    fake = next(s for s in sources if s.get("extra", {}).get("demo", {}).get("role") == "impostor")
    posts = [i for i in items if i["source"] == fake["key"] and i["kind"] == "post"]
    assert posts and all(truth(i)["category"] == "impersonation" for i in posts)
    assert any("CCCD" in i["text"] and "http" in i["text"] for i in posts)


# ---------------------------------------------------------------- time
def test_published_at_parses_and_is_in_range(items: list[dict]) -> None:
    times = []
    for i in items:
        t = datetime.fromisoformat(i["published_at"])
        assert t.utcoffset() == timedelta(hours=7), i["published_at"]
        assert START <= t < END, i["published_at"]
        times.append(t)
    assert times == sorted(times), "items are not in chronological order"
    assert (max(times) - min(times)).days >= 30


def test_daily_rhythm_and_bursts(items: list[dict]) -> None:
    hours = Counter(datetime.fromisoformat(i["published_at"]).hour for i in items)
    peak = sum(hours[h] for h in (7, 8, 9, 19, 20, 21, 22, 23))
    night = sum(hours[h] for h in (2, 3, 4, 5))
    assert peak > 0.6 * len(items)
    assert night < 0.05 * len(items)
    days = Counter(i["published_at"][:10] for i in items)
    median = sorted(days.values())[len(days) // 2]
    burst = days["2026-11-05"] + days["2026-11-06"]
    assert burst > 4 * median, (burst, median)


def test_shift_moves_everything_by_one_offset(items: list[dict]) -> None:
    target = datetime(2030, 1, 15, 9, 30, tzinfo=timezone(timedelta(hours=7)))
    shifted = list(iter_items(shift_to=target))
    assert len(shifted) == len(items)
    new = [datetime.fromisoformat(i["published_at"]) for i in shifted]
    old = [datetime.fromisoformat(i["published_at"]) for i in items]
    assert max(new) == target
    deltas = {n - o for n, o in zip(new, old, strict=True)}
    assert len(deltas) == 1
    assert all(t.utcoffset() == timedelta(hours=7) for t in new)
    # everything but the time is untouched
    for a, b in zip(items, shifted, strict=True):
        a2, b2 = dict(a), dict(b)
        a2.pop("published_at")
        b2.pop("published_at")
        assert a2 == b2


def test_shift_naive_is_hanoi_time_and_aware_is_respected() -> None:
    naive = list(iter_items(shift_to=datetime(2030, 1, 1, 8, 0)))
    assert max(i["published_at"] for i in naive) == "2030-01-01T08:00:00+07:00"
    utc = list(iter_items(shift_to=datetime(2030, 1, 1, 1, 0, tzinfo=UTC)))
    assert max(i["published_at"] for i in utc) == "2030-01-01T08:00:00+07:00"


def test_iter_items_yields_fresh_dicts() -> None:
    first = next(iter_items())
    first["text"] = "changed"
    assert next(iter_items())["text"] != "changed"


# ---------------------------------------------------------------- near-duplicates
def test_near_duplicate_stories_across_sources(items: list[dict]) -> None:
    index = {(i["source"], i["id"]): i for i in items}
    stories = defaultdict(list)
    for i in items:
        if truth(i)["story"]:
            stories[truth(i)["story"]].append(i)
    multi = {k: v for k, v in stories.items() if len({i["source"] for i in v}) >= 2}
    assert len(multi) >= 8, sorted(multi)
    for name, members in multi.items():
        # copies are similar to their original, but not (all) identical
        for i in members:
            ref = truth(i).get("copy_of")
            if not ref:
                continue
            orig = index.get((ref["source"], ref["id"]))
            assert orig is not None, (name, ref)
            assert truth(orig)["story"] == name
            assert orig["source"] != i["source"], name
            sim = jaccard(orig["text"], i["text"])
            assert sim >= 0.4, (name, i["source"], round(sim, 2))
    reworded = [i for i in items if truth(i).get("copy") == "reworded"]
    assert len(reworded) >= 8
    for i in reworded:
        ref = truth(i)["copy_of"]
        assert i["text"] != index[(ref["source"], ref["id"])]["text"]


def test_exact_copies(items: list[dict]) -> None:
    by_text = defaultdict(set)
    for i in items:
        by_text[i["text"]].add(i["source"])
    exact = [t for t, srcs in by_text.items() if len(srcs) >= 2]
    assert len(exact) >= 3
    stories = {truth(i)["story"] for i in items if truth(i).get("copy") == "exact"}
    assert len(stories) >= 3


def test_readme_counts_match(items: list[dict], sources: list[dict]) -> None:
    readme = corpus.corpus_dir().joinpath("README.md").read_text(encoding="utf-8")
    assert f"{len(items)} mục" in readme and f"{len(items)} items" in readme
    assert f"{len(sources)} nguồn" in readme and f"{len(sources)} sources" in readme
    kinds = Counter(i["kind"] for i in items)
    assert f"{kinds['comment']} comments" in readme
