"""Pipeline runners.

The inline runner applies the stages in order to each batch in this process. A queue
runner (distributed mode) will hand the same batches to workers; stages do not know which
runner calls them, so adding one touches no stage.

With ``overlap_store=True`` the inline runner writes batch N on a writer thread while the
CPU stages work on batch N+1. The database driver releases the GIL while it executes and
commits, so on two cores the write time mostly disappears behind the text work. At most one
batch is in flight; the dedupe stage keeps the previous batch's bands in memory so an item
can still join a cluster founded by a batch that is not committed yet.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from vimon.pipeline import stages as st
from vimon.records import Item

DEFAULT_STAGES = ("normalize", "dedupe", "classify", "facets", "store", "analyze", "rollup")


class Runner(Protocol):
    @property
    def stats(self) -> dict[str, int]: ...

    def run(self, batch: list[Item]) -> None: ...

    def close(self) -> None: ...


class InlineRunner:
    def __init__(
        self, store: Any, settings: Any, stage_names: Sequence[str] = DEFAULT_STAGES,
        *, checked: bool = False, overlap_store: bool = False,
    ) -> None:
        stages = st.build(stage_names)
        self.checked = checked
        self._main_stats: dict[str, int] = {}
        self._writer_stats: dict[str, int] = {}
        self.ctx = st.StageContext(store=store, settings=settings, stats=self._main_stats)
        names = [s.name for s in stages]
        self._overlap = overlap_store and "store" in names
        self._store_stage: st.Stage | None = None
        self._after_store: list[st.Stage] = []  # stages that need ids (e.g. analyze) follow it
        self._cpu_stages = stages
        if self._overlap:
            cut = names.index("store")
            self._cpu_stages, self._store_stage = stages[:cut], stages[cut]
            self._after_store = stages[cut + 1:]
            self._wctx = st.StageContext(store=store, settings=settings, stats=self._writer_stats)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        # Seconds spent in each stage (thread time for the writer): for benchmarks and logs.
        self.timings: dict[str, float] = {}

    @property
    def stats(self) -> dict[str, int]:
        return dict(Counter(self._main_stats) + Counter(self._writer_stats))

    def _apply(self, stage: st.Stage, batch: list[Item], ctx: st.StageContext) -> None:
        t0 = time.perf_counter()
        if self.checked:
            st.run_checked(stage, batch, ctx)
        else:
            stage.run(batch, ctx)
        self.timings[stage.name] = self.timings.get(stage.name, 0.0) + time.perf_counter() - t0

    def run(self, batch: list[Item]) -> None:
        for stage in self._cpu_stages:
            self._apply(stage, batch, self.ctx)
        if self._store_stage is None:
            return
        self._join()
        self._thread = threading.Thread(target=self._write, args=(batch,), daemon=True,
                                        name="vimon-writer")
        self._thread.start()

    def _write(self, batch: list[Item]) -> None:
        try:
            assert self._store_stage is not None
            # One transaction for the batch: the store stage and those after it (analyze)
            # join it, so a batch is committed once, with its analysis or not at all.
            with self._wctx.store.write():
                self._apply(self._store_stage, batch, self._wctx)
                for stage in self._after_store:
                    self._apply(stage, batch, self._wctx)
        except BaseException as exc:  # handed to the caller's thread by _join
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def close(self) -> None:
        """Wait for the last write; re-raise its error, if any."""
        self._join()
