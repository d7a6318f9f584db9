"""The ``analyze`` stage's work in a process of its own, for large ingests.

Facets, item stats, tags, rollups and watchlist matches are pure Python per item plus a few
inserts; inside the ingest process they hold the same interpreter lock as normalising,
deduplicating and storing, and so add their whole cost to the ingest time (measured: ~14 %
on 50,000 short posts). Past ``analyze_process_after`` items, the stage hands the ids of each
stored batch to this helper process instead, which reads the items back and analyses them on
another core while ingest goes on. :meth:`AnalyzerProcess.close` waits until every batch
handed over is analysed (the ingest is not finished before). If the helper fails (it cannot
start, or dies), the batches it had not committed are analysed by the ingest process itself,
so a failure costs time, never data; the helper acknowledges each batch after its commit.

Only ids this ingest stored are handed over (never "everything after id N"): another
process ingesting at the same time analyses its own items, and no item is counted twice.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import traceback
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

WAIT_S = 600.0  # the most a close waits for the helper to finish its backlog


class AnalyzerProcess:
    def __init__(self, store_url: str) -> None:
        ctx = multiprocessing.get_context("spawn")  # no fork: the parent holds threads and DB handles
        self._todo: Any = ctx.Queue()
        self._done: Any = ctx.Queue()
        self._proc = ctx.Process(target=_serve, args=(store_url, self._todo, self._done),
                                 name="vimon-analyze", daemon=True)
        self._proc.start()
        self._pending: dict[int, list[int]] = {}  # batch no -> ids, until the helper commits it
        self._next = 0
        self.analyzed = 0

    def submit(self, ids: Sequence[int]) -> None:
        if ids:
            self._pending[self._next] = list(ids)
            self._todo.put((self._next, list(ids)))
            self._next += 1

    def close(self) -> tuple[int, list[int]]:
        """Wait for the backlog. Returns (items analysed by the helper, ids it did not get to
        because it failed: the caller analyses those itself, so none is lost)."""
        self._todo.put(None)
        waited, error = 0.0, None
        while True:
            try:
                kind, value = self._done.get(timeout=1.0)
            except queue.Empty:
                waited += 1.0
                if not self._proc.is_alive() or waited > WAIT_S:
                    error = f"exit code {self._proc.exitcode}"
                    break
                continue
            if kind == "batch":  # committed by the helper
                self.analyzed += len(self._pending.pop(value, []))
            elif kind == "error":
                error = value
                break
            else:
                break
        self._proc.join(timeout=30)
        if self._proc.is_alive():
            self._proc.kill()
        if error is not None:
            log.warning("analyze helper process failed, finishing here: %s", error)
        left = [i for ids in self._pending.values() for i in ids]
        return self.analyzed, left


def _serve(store_url: str, todo: Any, done: Any) -> None:
    try:
        from vimon.analysis.stage import analyze_stored
        from vimon.store import open_store

        store = open_store(store_url, migrate=False)
        state: dict[str, Any] = {}
        while (job := todo.get()) is not None:
            no, ids = job
            analyze_stored(store, state, store.items_for_analysis_ids(ids))
            done.put(("batch", no))
        store.close()
        done.put(("end", None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which finishes the work
        done.put(("error", traceback.format_exc(limit=6)))
