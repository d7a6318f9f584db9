"""Pipeline runners.

The inline runner applies the stages in order to each batch in this process. A queue
runner (distributed mode) will hand the same batches to workers; stages do not know which
runner calls them, so adding one touches no stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from vimon.pipeline import stages as st
from vimon.records import Item

DEFAULT_STAGES = ("normalize", "dedupe", "classify", "store")


class Runner(Protocol):
    stats: dict[str, int]

    def run(self, batch: list[Item]) -> None: ...


class InlineRunner:
    def __init__(
        self, store: Any, settings: Any, stage_names: Sequence[str] = DEFAULT_STAGES,
        *, checked: bool = False,
    ) -> None:
        self.stages = st.build(stage_names)
        self.stats: dict[str, int] = {}
        self.ctx = st.StageContext(store=store, settings=settings, stats=self.stats)
        self.checked = checked

    def run(self, batch: list[Item]) -> None:
        for stage in self.stages:
            if self.checked:
                st.run_checked(stage, batch, self.ctx)
            else:
                stage.run(batch, self.ctx)
