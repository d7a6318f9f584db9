"""Stage registry: what each stage is, and what part of the record it may write.

Like a trainable pipeline's component factories, a stage declares the Item fields it
writes; building a pipeline checks that each declaration matches ``records.OWNERSHIP``,
and ``checked=True`` (used in tests) verifies at run time that a stage touched nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from vimon.errors import VimonError
from vimon.records import OWNERSHIP, Item

StageFn = Callable[[list[Item], "StageContext"], None]


@dataclass
class StageContext:
    store: Any  # vimon.store.Store
    settings: Any  # vimon.settings.Settings
    stats: dict[str, int]
    # Scratch state a stage keeps between batches of one run, keyed by the stage's name.
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn
    writes: tuple[str, ...]


_REGISTRY: dict[str, Stage] = {}


def register(name: str, writes: Sequence[str]) -> Callable[[StageFn], StageFn]:
    def deco(fn: StageFn) -> StageFn:
        _REGISTRY[name] = Stage(name, fn, tuple(writes))
        return fn

    return deco


def get_stage(name: str) -> Stage:
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise VimonError("VM-PIPE-001", f"Không có công đoạn / unknown stage {name!r}") from None


def build(names: Sequence[str]) -> list[Stage]:
    stages = [get_stage(n) for n in names]
    for st in stages:
        owned = OWNERSHIP.get(st.name)
        if owned is None or set(st.writes) != set(owned):
            raise VimonError(
                "VM-PIPE-002",
                f"Stage {st.name!r} declares writes {st.writes}, ownership says {owned}",
            )
    return stages


def _snapshot(items: list[Item]) -> list[dict[str, Any]]:
    names = [f.name for f in fields(Item)]
    return [{n: repr(getattr(it, n)) for n in names} for it in items]


def run_checked(stage: Stage, batch: list[Item], ctx: StageContext) -> None:
    before = _snapshot(batch)
    stage.run(batch, ctx)
    after = _snapshot(batch)
    for b, a in zip(before, after, strict=True):
        changed = {k for k in b if b[k] != a[k]} - set(stage.writes)
        if changed:
            raise VimonError(
                "VM-PIPE-003", f"Stage {stage.name!r} wrote fields it does not own: {sorted(changed)}"
            )


_BUILTIN_LOADED = False


def _load_builtin() -> None:
    # Not "if the registry is empty": importing one stage module elsewhere (the report portal
    # uses dedupe's signatures) registers that stage alone.
    global _BUILTIN_LOADED
    if not _BUILTIN_LOADED:
        from vimon.analysis import stage as _analyze  # noqa: F401
        from vimon.pipeline import classify, dedupe, index, normalize  # noqa: F401

        _BUILTIN_LOADED = True
