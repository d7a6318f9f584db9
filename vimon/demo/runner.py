"""The demo: a fresh embedded database, the demo corpus through the whole pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vimon.demo import corpus
from vimon.pipeline.ingest import ingest_records
from vimon.settings import Settings
from vimon.store import Store, open_store

SOURCE_FIELDS = ("name", "kind", "platform", "url", "followers", "official", "district",
                 "licence", "tags")


def run_demo(settings: Settings) -> tuple[Store, dict[str, Any]]:
    """Load the corpus into ``<home>/demo.sqlite`` (recreated each time) and summarise."""
    path = (settings.home / "demo.sqlite").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()
    store = open_store(f"sqlite:///{path}")
    for src in corpus.load_sources():
        store.upsert_source({"key": src["key"], **{k: src.get(k) for k in SOURCE_FIELDS}})
    now = datetime.now(UTC).replace(microsecond=0)
    res = ingest_records(store, settings, corpus.iter_items(shift_to=now), origin="demo")
    stats = store.stats()
    summary = {
        "CSDL / database": str(path),
        "Tin mới / new items": res.new,
        "Trùng / duplicates": res.duplicate,
        "Gần trùng / near-duplicates": res.near_duplicate,
        "Cụm nhiều bản / multi-item clusters": stats["clusters_multi"],
        "Bị từ chối / rejected": res.rejected,
        "Nguồn / sources": len(stats["by_source"]),
    }
    for key, n in sorted(stats["labels"].items()):
        summary[f"Nhãn / label {key}"] = n
    from vimon.plans import DEFAULT_TASKS, import_tasks

    plans = import_tasks(store, DEFAULT_TASKS.read_text(encoding="utf-8"), "demo")
    summary["Nhiệm vụ kế hoạch / plan tasks"] = plans["added"]
    from vimon.auth.service import ensure_demo_admin

    admin = ensure_demo_admin(store, settings)  # local only; the password is shown once
    if admin:
        summary["Tài khoản demo / demo login"] = f"{admin[0]} / {admin[1]}"
    return store, summary
