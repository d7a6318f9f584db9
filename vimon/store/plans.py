"""Plan tasks and their progress reports (``vimon.plans``): the store's part. Every change is
written with its audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from vimon.store.schema import plan_progress, plan_tasks

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection

TASK_FIELDS = ("title", "unit", "indicator", "target", "due_on")


def _now() -> Any:
    from vimon.store.base import utcnow

    return utcnow()


class PlanQueries:
    """Mixed into Store, which provides these members."""

    if TYPE_CHECKING:
        def read(self) -> AbstractContextManager[Connection]: ...

        def write(self) -> AbstractContextManager[Connection]: ...

        def _audit(self, conn: Connection, actor: str, action: str, object_type: str,
                   object_id: Any, detail: dict[str, Any]) -> int: ...

    def upsert_plan_tasks(self, rows: Sequence[dict[str, Any]], actor: str) -> dict[str, int]:
        """Add the tasks not yet known (by plan and code) and update the others; counts of
        ``added``, ``updated`` and ``unchanged``."""
        out = {"added": 0, "updated": 0, "unchanged": 0}
        now = _now()
        with self.write() as conn:
            known = {(r.plan, r.code): r for r in conn.execute(select(plan_tasks))}
            for row in rows:
                old = known.get((row["plan"], row["code"]))
                values = {k: row.get(k) for k in TASK_FIELDS}
                if old is None:
                    tid = int(conn.execute(insert(plan_tasks).values(
                        plan=row["plan"], code=row["code"], created_at=now, updated_at=now,
                        **values)).inserted_primary_key[0])  # type: ignore[index]
                    out["added"] += 1
                    self._audit(conn, actor, "plan.task.add", "plan_task", tid,
                                {"plan": row["plan"], "code": row["code"]})
                elif any(getattr(old, k) != v for k, v in values.items()):
                    conn.execute(update(plan_tasks).where(plan_tasks.c.id == old.id)
                                 .values(updated_at=now, **values))
                    out["updated"] += 1
                    self._audit(conn, actor, "plan.task.update", "plan_task", old.id,
                                {k: str(v) for k, v in values.items() if getattr(old, k) != v})
                else:
                    out["unchanged"] += 1
        return out

    def find_plan_task(self, plan: str, code: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(plan_tasks).where(plan_tasks.c.plan == plan,
                                                        plan_tasks.c.code == code)).first()
        return dict(row._mapping) if row else None

    def add_plan_progress(self, task_id: int, row: dict[str, Any], actor: str) -> int:
        with self.write() as conn:
            pid = int(conn.execute(insert(plan_progress).values(
                task_id=task_id, reported_by=actor, reported_at=_now(), **row)
            ).inserted_primary_key[0])  # type: ignore[index]
            self._audit(conn, actor, "plan.progress", "plan_task", task_id,
                        {"as_of": str(row["as_of"]), "status": row["status"],
                         "value": row.get("value")})
        return pid

    def plan_tasks_as_of(self, as_of: date, plan: str | None = None) -> list[dict[str, Any]]:
        """Every task with its latest progress report on or before ``as_of`` (``status``,
        ``value``, ``note``, ``progress_as_of``; None when there is none yet)."""
        p = plan_progress
        # The latest report by the day it speaks for (a report entered late for an earlier
        # day does not hide a newer one), then by entry order.
        rank = func.row_number().over(partition_by=p.c.task_id,
                                      order_by=(p.c.as_of.desc(), p.c.id.desc()))
        ranked = (select(p.c.task_id, p.c.status, p.c.value, p.c.note,
                         p.c.as_of.label("progress_as_of"), rank.label("rank"))
                  .where(p.c.as_of <= as_of).subquery())
        latest = select(ranked).where(ranked.c.rank == 1).subquery()
        q = (select(plan_tasks, latest.c.status, latest.c.value, latest.c.note,
                    latest.c.progress_as_of)
             .select_from(plan_tasks.outerjoin(latest, latest.c.task_id == plan_tasks.c.id))
             .order_by(plan_tasks.c.plan, plan_tasks.c.code))
        if plan:
            q = q.where(plan_tasks.c.plan == plan)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
