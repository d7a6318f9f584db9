"""File drops: JSONL/CSV files put in the watched folder (``collect_drop_dir``, default
``<home>/drop``) go through the ingest service, then move to ``done/`` (or ``failed/`` when
the file could not be read at all). The file's bytes are kept as an evidence snapshot linked
to the rows that carry ``source`` and ``id``.

A file is moved only after its rows are committed; a crash in between ingests it again,
which stores nothing twice (external ids, else content hashes, are idempotent keys). A file
still being written is left for the next cycle (its size or time changed within 2 seconds).
"""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from vimon.collect.evidence import file_snapshot
from vimon.errors import InputError

_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".json")


def drop_dir(settings: Any) -> Path:
    return Path(settings.collect_drop_dir or Path(settings.home) / "drop")


def _ids(data: bytes, suffix: str) -> list[tuple[str, str]]:
    """(source key, external id) of rows that have both (for the evidence links)."""
    from vimon.pipeline.parse import source_key

    out: list[tuple[str, str]] = []
    rows: list[Any] = []
    try:
        if suffix == ".csv":
            rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig", "replace"))))
        else:
            for line in data.splitlines():
                if line.strip():
                    try:
                        rows.append(orjson.loads(line))
                    except orjson.JSONDecodeError:
                        continue
    except csv.Error:
        return out
    for r in rows:
        if isinstance(r, dict) and r.get("id") and isinstance(r.get("source"), str):
            out.append((source_key(r["source"]), str(r["id"])))
    return out


def collect_drops(store: Any, settings: Any) -> Any:
    """Ingest every settled file of the drop folder; returns a SourceRun summary or None."""
    from vimon.collect.scheduler import SourceRun
    from vimon.pipeline.ingest import ingest_paths

    folder = drop_dir(settings)
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)
    if not files:
        return None
    run = SourceRun("drop:" + str(folder))
    now = time.time()
    for path in files:
        st = path.stat()
        if now - st.st_mtime < 2:
            continue  # still being written
        data = path.read_bytes()
        snap = file_snapshot(path, data, source_id=None)
        links = [(0, k, x) for k, x in _ids(data, path.suffix.lower())]
        store.save_evidence([snap], links)
        run.snapshots += 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        try:
            res = ingest_paths(store, settings, [str(path)])
        except InputError as exc:
            run.ok, run.error_code, run.error = False, "file_error", exc.message
            store.add_collect_events([{"level": "error", "code": "file_error",
                                       "url": str(path), "detail": exc.message}])
            target = folder / "failed"
        else:
            run.new += res.new
            run.duplicate += res.duplicate
            run.rejected += res.rejected
            target = folder / "done"
        target.mkdir(exist_ok=True)
        path.replace(target / f"{stamp}-{path.name}")
    return run
