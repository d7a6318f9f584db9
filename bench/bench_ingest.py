"""Ingest throughput: the full pipeline (normalize + dedupe + store + index) on SQLite.

Each measurement runs in its own process so its peak RSS is its own. The reference is plain
``executemany`` inserts of the same rows into a SQLite table in the same run: the floor any
real pipeline sits above. Targets (issue 2): ≥ 3,000 short posts/s, ≥ 500 articles/s, peak
RSS < 1 GB, on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import peak_rss_mb, report, short_posts, vntc_articles, write_jsonl  # noqa: E402


def _pipeline(path: Path, workdir: Path, classify: bool) -> dict:
    os.environ["VIMON_HOME"] = str(workdir)
    os.environ["VIMON_CLASSIFY_ON_INGEST"] = "1" if classify else "0"
    from vimon.pipeline.ingest import ingest_paths
    from vimon.settings import get_settings
    from vimon.store import open_store

    settings = get_settings()
    store = open_store(f"sqlite:///{workdir / 'bench.sqlite'}")
    t0 = time.perf_counter()
    res = ingest_paths(store, settings, [str(path)])
    dt = time.perf_counter() - t0
    return {"seconds": dt, "new": res.new, "rejected": res.rejected,
            "near_duplicate": res.near_duplicate, "rss_mb": peak_rss_mb()}


def _reference(path: Path, workdir: Path) -> dict:
    rows = []
    t0 = time.perf_counter()
    db = sqlite3.connect(workdir / "ref.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE items (id TEXT, source TEXT, title TEXT, text TEXT, published_at TEXT)")
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            rows.append((r.get("id"), r.get("source"), r.get("title"), r["text"], r.get("published_at")))
            if len(rows) >= 1000:
                db.executemany("INSERT INTO items VALUES (?,?,?,?,?)", rows)
                db.commit()
                rows = []
    db.executemany("INSERT INTO items VALUES (?,?,?,?,?)", rows)
    db.commit()
    return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}


def _child(mode: str, path: str, workdir: str, classify: bool) -> None:
    fn = _pipeline if mode == "pipeline" else _reference
    out = fn(Path(path), Path(workdir), classify) if mode == "pipeline" else fn(Path(path), Path(workdir))
    print(json.dumps(out))


def _run(mode: str, path: Path, classify: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as wd:
        cmd = [sys.executable, __file__, "--child", mode, str(path), wd] + (["--classify"] if classify else [])
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return json.loads(res.stdout.strip().splitlines()[-1])


def measure(label: str, rows: list[dict], classify: bool = False) -> None:
    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / f"{label}.jsonl"
        size = write_jsonl(rows, path)
        ref = _run("reference", path)
        pipe = _run("pipeline", path, classify)
    n = len(rows)
    ips, ref_ips = n / pipe["seconds"], n / ref["seconds"]
    report(f"ingest[{label}{'+classify' if classify else ''}]", {
        "items": n, "MB": round(size / 1e6, 1), "items/s": round(ips), "MB/s": round(size / 1e6 / pipe["seconds"], 2),
        "peak_rss_MB": round(pipe["rss_mb"]), "new": pipe["new"], "near_dup": pipe["near_duplicate"],
        "reference_executemany_items/s": round(ref_ips), "ratio_to_reference": round(ips / ref_ips, 3),
    })


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=3)
    ap.add_argument("--classify", action="store_true")
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=5_000)
    args = ap.parse_args()
    if args.child:
        _child(*args.child, args.classify)
        return
    measure("short_posts", short_posts(args.posts))
    measure("vntc_articles", vntc_articles(args.articles))


if __name__ == "__main__":
    main()
