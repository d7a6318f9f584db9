"""The ingest service: rows in, items stored, rejections quarantined, counts out.

Used by ``vimon ingest``, ``POST /api/ingest``, the demo and (later) the collectors.
Streaming: rows are parsed and pushed through the pipeline in batches, so memory stays
constant whatever the input size.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from vimon.errors import InputError
from vimon.pipeline.parse import parse_record, parse_row
from vimon.pipeline.readers import iter_rows, open_input
from vimon.pipeline.runner import InlineRunner, Runner
from vimon.records import Item, Rejection


@dataclass
class IngestResult:
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    near_duplicate: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)  # a few rejection messages to show

    def summary(self) -> dict[str, int]:
        return {"new": self.new, "duplicate": self.duplicate, "rejected": self.rejected}


class Quarantine:
    """Rejections on their way to the quarantine table: counted by reason, a few messages
    kept to show, written in batches."""

    BATCH = 200

    def __init__(self, store: Any) -> None:
        self.store = store
        self.count = 0
        self.reasons: Counter[str] = Counter()
        self.examples: list[str] = []
        self._pending: list[Rejection] = []

    def add(self, rejection: Rejection) -> None:
        self._pending.append(rejection)
        self.count += 1
        self.reasons[rejection.reason_code] += 1
        if len(self.examples) < 10:
            self.examples.append(rejection.reason)
        if len(self._pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.store.add_quarantine(self._pending)
            self._pending = []


class Ingestor:
    """Batches rows through a runner; call :meth:`add` per row, then :meth:`close`."""

    def __init__(self, store: Any, settings: Any, runner: Runner | None = None) -> None:
        self.store = store
        self.settings = settings
        self.runner = runner or InlineRunner(store, settings, overlap_store=settings.ingest_overlap)
        self.quarantine = Quarantine(store)
        self._items: list[Item] = []

    def add(self, parsed: Item | Rejection) -> None:
        if isinstance(parsed, Rejection):
            self.quarantine.add(parsed)
        else:
            self._items.append(parsed)
            if len(self._items) >= self.settings.ingest_batch_size:
                self.flush()

    def flush(self) -> None:
        self.quarantine.flush()
        if self._items:
            batch, self._items = self._items, []
            self.runner.run(batch)

    def close(self) -> IngestResult:
        self.flush()
        self.runner.close()
        stats, q = self.runner.stats, self.quarantine
        return IngestResult(new=stats.get("new", 0), duplicate=stats.get("duplicate", 0),
                            rejected=q.count, near_duplicate=stats.get("near_duplicate", 0),
                            reasons=q.reasons, examples=q.examples)


_bulk_lock = threading.Lock()
_bulk_depth = 0
_saved_threshold = gc.get_threshold()
_saved_switch = sys.getswitchinterval()
# The ingest writer thread waits for the GIL after every database call, up to one switch
# interval while the CPU stages hold it; 1 ms instead of Python's 5 ms shortens those waits
# (measured on 100,000 short posts: 2,812–2,890 → 2,910–3,194 items/s).
BULK_SWITCH_INTERVAL = 0.001
# Allocations between two generation-0 collections in a bulk run (Python's default: 700).
BULK_GEN0_THRESHOLD = 50_000


@contextmanager
def bulk_run() -> Iterator[None]:
    """Fewer, cheaper garbage collections while a bulk run allocates millions of small
    objects: objects alive before the run are frozen out of the scans, and generation 0 is
    collected every 50,000 allocations instead of 700 (measured: ~15–25% less CPU per item
    on the ingest benchmark). Reference cycles are still collected, just in larger steps.
    The GIL switch interval is shortened for the run too (``BULK_SWITCH_INTERVAL``)."""
    global _bulk_depth, _saved_threshold, _saved_switch
    with _bulk_lock:  # concurrent API requests: only the outermost run sets and restores
        _bulk_depth += 1
        if _bulk_depth == 1:
            _saved_threshold = gc.get_threshold()
            _saved_switch = sys.getswitchinterval()
            gc.freeze()
            gc.set_threshold(BULK_GEN0_THRESHOLD, _saved_threshold[1], _saved_threshold[2])
            sys.setswitchinterval(min(_saved_switch, BULK_SWITCH_INTERVAL))
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_depth -= 1
            if _bulk_depth == 0:
                gc.set_threshold(*_saved_threshold)
                sys.setswitchinterval(_saved_switch)
                gc.unfreeze()


def ingest_records(
    store: Any, settings: Any, records: Iterable[Any], origin: str = "api"
) -> IngestResult:
    """Ingest already-decoded rows (the API, the demo, the collectors), or items already
    parsed and prepared by :func:`vimon.pipeline.prepare.prepare_rows`."""
    with bulk_run():
        return _ingest_records(store, settings, records, origin)


def _run(store: Any, settings: Any, run_origin: str,
         parsed: Iterable[Item | Rejection]) -> IngestResult:
    """One recorded ingest run: ``parsed`` (read lazily) through an Ingestor, the counts
    stored with the run."""
    ing = Ingestor(store, settings)
    run_id = store.start_run(run_origin)
    for p in parsed:
        ing.add(p)
    res = ing.close()
    store.finish_run(run_id, res.new, res.duplicate, res.rejected)
    return res


def _ingest_records(store: Any, settings: Any, records: Iterable[Any], origin: str) -> IngestResult:
    max_chars = settings.max_text_chars
    return _run(store, settings, origin, (
        # Items and rejections already parsed (vimon.pipeline.prepare) pass as they are.
        row if isinstance(row, Rejection | Item) else parse_record(row, origin, n, max_chars)
        for n, row in enumerate(records, start=1)))


def ingest_lines(store: Any, settings: Any, origin: str,
                 lines: Iterable[Sequence[Any]]) -> IngestResult:
    """Rows already read from ``origin`` (a queue message: ``(line, row)`` pairs) through
    the pipeline, recorded as one run."""
    max_chars = settings.max_text_chars
    return _run(store, settings, f"queue:{origin}",
                (parse_record(row, origin, line, max_chars) for line, row in lines))


class PathReader:
    """The rows of JSONL/CSV files (``-`` = stdin), parsed: iterating gives ``(origin, line,
    row, Item | Rejection)`` (``row`` None for a file that could not be read, which is a
    rejection by name). :meth:`check` afterwards raises when no file at all could be read."""

    def __init__(self, paths: Sequence[str], settings: Any,
                 on_progress: Callable[[str, int, int | None], None] | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.on_progress = on_progress
        self.opened = 0
        self.errors: list[InputError] = []

    def __iter__(self) -> Iterator[tuple[str, int | None, Any, Item | Rejection]]:
        max_chars = self.settings.max_text_chars
        for path in self.paths:
            try:
                f, size, origin = open_input(path)
            except InputError as exc:
                self.errors.append(exc)
                yield path, None, None, Rejection(path, None, "bad_file", exc.message, path.encode())
                continue
            self.opened += 1
            done = 0

            def on_bytes(n: int, _path: str = path, _size: int | None = size) -> None:
                nonlocal done
                done += n
                if self.on_progress:
                    self.on_progress(_path, done, _size)

            try:
                for line, row, raw in iter_rows(f, path, origin, self.settings.max_row_bytes,
                                                on_bytes):
                    if isinstance(row, Rejection):
                        yield origin, line, None, row
                    else:
                        yield origin, line, row, parse_row(row, origin, line, raw, max_chars)
            except InputError as exc:
                self.errors.append(exc)
                yield origin, None, None, Rejection(origin, None, "bad_file", exc.message,
                                                    path.encode())
                self.opened -= 1
            finally:
                if path != "-":
                    f.close()

    def check(self) -> None:
        if self.opened == 0 and self.errors:
            raise self.errors[0]


def ingest_paths(
    store: Any,
    settings: Any,
    paths: Sequence[str],
    on_progress: Callable[[str, int, int | None], None] | None = None,
) -> IngestResult:
    """Ingest JSONL/CSV files (``-`` = stdin). Raises InputError only when no file at all
    could be read; a file that cannot be opened among several is quarantined by name."""
    with bulk_run():
        return _ingest_paths(store, settings, paths, on_progress)


def _ingest_paths(
    store: Any,
    settings: Any,
    paths: Sequence[str],
    on_progress: Callable[[str, int, int | None], None] | None,
) -> IngestResult:
    reading = PathReader(paths, settings, on_progress)
    res = _run(store, settings, ",".join(paths), (parsed for *_, parsed in reading))
    reading.check()
    return res
