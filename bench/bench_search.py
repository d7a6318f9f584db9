"""Search and dashboard latency at scale, and the cost of keeping rollups during ingest.

1. ``N`` generated items (default 1,000,000; ``VIMON_BENCH_ITEMS``) are written straight into
   a migrated SQLite database in bulk (items, FTS rows, item stats and tags, rollups; pushing
   a million rows through the Python pipeline would measure the pipeline, not search).
2. Search p95 over a set of query-language queries (top 25 by time, total counted up to
   10,000 as the page and API do) after one first pass reported apart (cold cache), beside
   the same matches found by a full scan (``folded LIKE``) in the same run.
3. Dashboard p95 (morning-view queries on the rollups: daily series, top topics, districts,
   sources), beside the same figures by a full scan GROUP BY over items.
4. Rollup slowdown: 30,000 posts through the whole pipeline with and without the ``rollup``
   stage (and, printed beside it, without any analysis), paired rounds (median of the
   rounds' ratios).
Targets (issue 6): search p95 < 150 ms, dashboard p95 < 500 ms, rollup slowdown < 10 %.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import report, short_posts  # noqa: E402

N = int(os.environ.get("VIMON_BENCH_ITEMS", "1000000"))
COUNT_CAP = 10_000  # as the search page and API count (a larger total shows as "ít nhất 10.000")
PIPE_N = int(os.environ.get("VIMON_BENCH_PIPELINE_ITEMS", "30000"))
TOPICS = ["giao thông", "giáo dục", "y tế", "môi trường", "an ninh trật tự", "thời tiết",
          "kinh tế", "văn hóa", "đô thị", "dịch vụ công"]
DISTRICTS = ["ba-dinh", "hoan-kiem", "dong-da", "cau-giay", "hai-ba-trung", "thanh-xuan",
             "long-bien", "ha-dong", "hoang-mai", "tay-ho"]


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)


def generate(path: Path) -> None:
    from vimon.analysis.facets import day_bucket, hour_bucket
    from vimon.store import open_store
    from vimon.store.querylang import slug
    from vimon.text import fold

    store = open_store(f"sqlite:///{path}")
    store.close()
    rnd = random.Random(11)
    posts = short_posts(20000, seed=3)
    texts = [p["text"] for p in posts]
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.executemany("INSERT INTO sources (id, key, name, kind, official, active, created_at) "
                   "VALUES (?, ?, ?, 'other', 0, 1, '2026-01-01')",
                   [(i + 1, f"nguon-{i}", f"Nguồn {i}") for i in range(200)])
    start = datetime(2026, 1, 1)
    span = 330 * 24 * 3600
    roll: dict = {}
    t0 = time.perf_counter()
    batch_items, batch_fts, batch_stats, batch_tags = [], [], [], []
    for i in range(1, N + 1):
        text = texts[rnd.randrange(len(texts))] + f" mã {i}"
        folded = fold(text)
        at = start + timedelta(seconds=rnd.randrange(span))
        src = rnd.randrange(200) + 1
        topic, district = rnd.choice(TOPICS), rnd.choice(DISTRICTS)
        sent = rnd.choice(("positive", "negative", "neutral", "neutral"))
        reach = rnd.randrange(100000)
        ts = at.strftime("%Y-%m-%d %H:%M:%S.000000")
        batch_items.append((i, f"k{i}", src, "post", text, text, folded, "h", ts, ts))
        batch_fts.append((i, folded))
        batch_stats.append((i, ts, src, reach, rnd.random() ** 4, 0, sent))
        batch_tags += [(i, "topic", slug(topic), topic), (i, "sentiment", sent, sent),
                       (i, "district", district, district)]
        for grain, b in (("h", hour_bucket(at)), ("d", day_bucket(at))):
            for dim, key in (("all", ""), ("topic", slug(topic)), ("district", district),
                             ("source", f"nguon-{src - 1}")):
                r = roll.setdefault((grain, dim, key, b), [0, 0, 0, 0, 0])
                r[0] += 1
                r[1] += sent == "positive"
                r[2] += sent == "negative"
                r[3] += sent == "neutral"
                r[4] += reach
        if len(batch_items) >= 50000 or i == N:
            db.executemany("INSERT INTO items (id, dedupe_key, source_id, kind, text, text_norm, "
                           "folded, content_hash, published_at, collected_at, schema_version) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,1)", batch_items)
            db.executemany("INSERT INTO items_fts(rowid, folded) VALUES (?, ?)", batch_fts)
            db.executemany("INSERT INTO item_stats VALUES (?,?,?,?,?,?,?)", batch_stats)
            db.executemany("INSERT INTO item_tags VALUES (?,?,?,?)", batch_tags)
            db.commit()
            batch_items, batch_fts, batch_stats, batch_tags = [], [], [], []
    db.executemany("INSERT INTO rollups VALUES (?,?,?,?,?,?,?,?,?)",
                   [(g, d, k, b.strftime("%Y-%m-%d %H:%M:%S.000000"), *v)
                    for (g, d, k, b), v in roll.items()])
    db.commit()
    db.execute("ANALYZE")
    db.close()
    report("bench_search.generate", {"items": N, "seconds": round(time.perf_counter() - t0, 1)})


QUERIES = ["ngập úng", '"xe buýt"', "rác OR khói", "công viên -khánh", "ngap* đường",
           "cháy NEAR/5 nổ", "source:nguon-7 mưa", "topic:giao-thong ùn tắc",
           "district:ba-dinh tiếng ồn", "date:2026-11 camera", "(mưa OR nắng) AND NOT rét",
           "sentiment:negative điện", "an ninh trộm cắp", "phường Phúc Xá", "tàu điện"]


def bench_search(path: Path) -> None:
    from vimon.store import open_store
    from vimon.store.querylang import parse

    store = open_store(f"sqlite:///{path}", migrate=False)
    cold = []  # first pass: pages not yet in the OS cache, regexes not compiled (reported apart)
    for q in QUERIES:
        t0 = time.perf_counter()
        store.search_items(parse(q), limit=25, count_cap=COUNT_CAP)
        cold.append(time.perf_counter() - t0)
    times = []
    for _ in range(3):
        for q in QUERIES:
            t0 = time.perf_counter()
            store.search_items(parse(q), limit=25, count_cap=COUNT_CAP)
            times.append(time.perf_counter() - t0)
    db = sqlite3.connect(path)
    ref = []
    for q in ("ngap ung", "xe buyt", "khoi"):
        t0 = time.perf_counter()
        db.execute("SELECT id FROM items WHERE folded LIKE ? ORDER BY published_at DESC LIMIT 25",
                   (f"%{q}%",)).fetchall()
        db.execute("SELECT count(*) FROM items WHERE folded LIKE ?", (f"%{q}%",)).fetchall()
        ref.append(time.perf_counter() - t0)
    per = {q: [] for q in QUERIES}
    for _ in range(3):
        for q in QUERIES:
            t0 = time.perf_counter()
            store.search_items(parse(q), limit=25, count_cap=COUNT_CAP)
            per[q].append(time.perf_counter() - t0)
    text_only = [t for q, ts in per.items() if ":" not in q and "*" not in q for t in ts]
    fielded = [t for q, ts in per.items() if ":" in q or "*" in q for t in ts]
    report("bench_search.search_by_kind", {
        "text_only_p95_ms": round(p95(text_only) * 1e3, 1),
        "fields_or_wildcards_p95_ms": round(p95(fielded) * 1e3, 1),
        "slowest": max(per, key=lambda q: max(per[q]))})
    report("bench_search.search", {"queries": len(times), "p50_ms": round(statistics.median(times) * 1e3, 1),
                                   "p95_ms": round(p95(times) * 1e3, 1), "target_ms": 150,
                                   "first_pass_max_ms": round(max(cold) * 1e3, 1),
                                   "full_scan_ref_ms": round(statistics.median(ref) * 1e3, 1),
                                   "speedup": round(statistics.median(ref) / p95(times), 1)})
    # Dashboard: the morning view's queries on rollups vs a full scan.
    from vimon.analysis.trends import series

    now = datetime(2026, 11, 25)
    since = now - timedelta(days=14)
    dash = []
    for _ in range(10):
        t0 = time.perf_counter()
        series(store, "all", "", grain="d", days=14, now=now)
        store.top_keys("d", "topic", since, limit=10)
        store.top_keys("d", "district", since, limit=12)
        store.top_keys("d", "source", since, limit=10)
        series(store, "topic", "giao-thong", grain="h", days=7, now=now)
        dash.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    db.execute("SELECT date(published_at, '+7 hours') d, count(*) FROM items "
               "WHERE published_at >= ? GROUP BY d", (since.isoformat(" "),)).fetchall()
    db.execute("SELECT t.key, count(*) FROM item_tags t JOIN items i ON i.id = t.item_id "
               "WHERE t.kind = 'topic' AND i.published_at >= ? GROUP BY t.key",
               (since.isoformat(" "),)).fetchall()
    db.execute("SELECT source_id, count(*) FROM items GROUP BY source_id").fetchall()
    ref_dash = time.perf_counter() - t0
    report("bench_search.dashboard", {"p95_ms": round(p95(dash) * 1e3, 1), "target_ms": 500,
                                      "full_scan_ref_ms": round(ref_dash * 1e3, 1)})


def bench_rollup_cost() -> None:
    """Ingest cost of the incremental rollups (issue 6: < 10 %), as paired runs of three
    pipelines over the same posts: ``plain`` (no analysis), ``analysis`` (facets, item tags
    and stats, watchlists: what search facets, fields and sorting read, with or without
    trends) and ``rollups`` (the same plus the ``rollup`` stage). The rollup cost is
    ``rollups`` over ``analysis``; the whole analysis over ``plain`` is printed beside it.
    Each round runs the three back to back (order rotating) and gives one ratio of each;
    the median of the rounds' ratios is the figure. This machine's speed drifts by tens of
    percent within minutes (the same code measured in blocks gave −18 % to +54 %); runs side
    by side share the same conditions, so their ratio is what stays meaningful. CPU time
    (both threads) is reported beside wall time: it does not count time the machine gave
    to others."""

    import resource

    from vimon.pipeline.ingest import Ingestor, bulk_run
    from vimon.pipeline.parse import parse_record
    from vimon.pipeline.runner import InlineRunner
    from vimon.settings import get_settings, reset_settings
    from vimon.store import open_store

    rows = short_posts(PIPE_N, seed=5)
    cpu_stages = ("normalize", "dedupe", "classify")
    plans = {"plain": (*cpu_stages, "store"),
             "analysis": (*cpu_stages, "facets", "store", "analyze"),
             "rollups": (*cpu_stages, "facets", "store", "analyze", "rollup")}

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    def one(label: str) -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as d:
            os.environ["VIMON_HOME"] = d
            os.environ["VIMON_CLASSIFY_ON_INGEST"] = "0"
            reset_settings()
            settings = get_settings()
            store = open_store(f"sqlite:///{d}/p.sqlite")
            runner = InlineRunner(store, settings, plans[label],
                                  overlap_store=settings.ingest_overlap)
            c0, t0 = cpu(), time.perf_counter()
            with bulk_run():  # as ingest_paths / ingest_records run
                ing = Ingestor(store, settings, runner)
                for n, row in enumerate(rows, start=1):
                    ing.add(parse_record(row, "bench", n, settings.max_text_chars))
                ing.close()
            dt, dc = time.perf_counter() - t0, cpu() - c0
            store.close()
        return dt, dc

    rounds = int(os.environ.get("VIMON_BENCH_ROLLUP_ROUNDS", "6"))
    labels = list(plans)
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in labels}
    for r in range(rounds):
        for label in labels[r % 3:] + labels[:r % 3]:
            runs[label].append(one(label))

    def slowdowns(over: str, base: str, i: int) -> list[float]:
        return [(a[i] / b[i] - 1) * 100 for a, b in zip(runs[over], runs[base], strict=True)]

    def med(xs: list[float]) -> float:
        return round(statistics.median(xs), 1)

    rollup_wall, rollup_cpu = slowdowns("rollups", "analysis", 0), slowdowns("rollups", "analysis", 1)
    report("bench_search.rollup_cost", {
        "items": PIPE_N, "rounds": rounds,
        **{f"{label}_s_median": round(statistics.median(x[0] for x in runs[label]), 2)
           for label in labels},
        "round_rollup_slowdowns_pct": "/".join(f"{x:.1f}" for x in rollup_wall),
        "rollup_slowdown_pct": med(rollup_wall), "rollup_slowdown_cpu_pct": med(rollup_cpu),
        "analysis_and_rollups_slowdown_pct": med(slowdowns("rollups", "plain", 0)),
        "analysis_and_rollups_slowdown_cpu_pct": med(slowdowns("rollups", "plain", 1)),
        "target_pct": 10})


def main() -> None:
    keep = os.environ.get("VIMON_BENCH_DB")  # reuse a generated database between runs
    if keep and Path(keep).exists():
        bench_search(Path(keep))
    else:
        with tempfile.TemporaryDirectory() as d:
            path = Path(keep) if keep else Path(d) / "search.sqlite"
            generate(path)
            bench_search(path)
    if os.environ.get("VIMON_BENCH_SKIP_PIPELINE") != "1":
        bench_rollup_cost()


if __name__ == "__main__":
    main()
