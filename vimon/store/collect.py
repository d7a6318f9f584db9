"""Queries of the collectors (mixed into :class:`Store`): evidence snapshots and their links,
the crawl queue, conditional-GET state, per-source health and the lease that keeps two
collectors off one source."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, insert, or_, select, update

from vimon.store.schema import (
    collect_events,
    collect_state,
    crawl_queue,
    evidence,
    evidence_links,
    fetch_state,
    items,
    sources,
)

if TYPE_CHECKING:
    from vimon.store.base import Store


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> datetime:
    from vimon.store.base import utcnow

    return utcnow()


_STATE_DEFAULTS = {"healthy": True, "error_streak": 0, "runs": 0, "items_total": 0,
                   "last_run_items": 0}


class CollectQueries:
    # ------------------------------------------------------------------ sources + state
    def collect_sources(
        self: Store, keys: Sequence[str] | None = None, *, only_active: bool = True
    ) -> list[dict[str, Any]]:
        """Sources with their collection state (``state_*`` keys; None before a first run)."""
        st = collect_state
        q = select(sources, *[c.label(f"state_{c.name}") for c in st.c if c.name != "source_id"])
        q = q.select_from(sources.outerjoin(st, st.c.source_id == sources.c.id))
        if keys:
            q = q.where(sources.c.key.in_(list(keys)))
        if only_active:
            q = q.where(sources.c.active.is_(True))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(sources.c.key))]

    def collect_overview(self: Store) -> list[dict[str, Any]]:
        """Every source with state, items collected in the last 24 hours and in total."""
        since = _now() - timedelta(days=1)
        day = (
            select(items.c.source_id, func.count().label("n"))
            .where(items.c.collected_at >= since)
            .group_by(items.c.source_id)
            .subquery()
        )
        rows = self.collect_sources(only_active=False)
        with self.read() as conn:
            per_day = {int(r.source_id): int(r.n) for r in conn.execute(select(day))
                       if r.source_id is not None}
        for r in rows:
            r["items_24h"] = per_day.get(int(r["id"]), 0)
        return rows

    def _ensure_state(self: Store, conn: Any, source_id: int) -> None:
        conn.execute(
            self._insert(collect_state).on_conflict_do_nothing(index_elements=["source_id"]),
            [{"source_id": source_id, **_STATE_DEFAULTS}],
        )

    def acquire_lease(
        self: Store, source_id: int, owner: str, seconds: float,
        is_dead: Callable[[str], bool] | None = None,
    ) -> bool:
        """Take the source for ``seconds``; False when another live collector holds it.

        The check-and-set is one UPDATE, so two processes can never both win. A lease whose
        owner process is known to be dead (``is_dead``) is taken over at once: a collector
        killed mid-run must not block its own restart until the lease expires."""
        now = _now()
        until = now + timedelta(seconds=seconds)
        st = collect_state
        with self.write() as conn:
            self._ensure_state(conn, source_id)
            free = or_(st.c.lease_owner.is_(None), st.c.lease_until < now, st.c.lease_owner == owner)
            res = conn.execute(
                update(st).where(st.c.source_id == source_id, free)
                .values(lease_owner=owner, lease_until=until)
            )
            if res.rowcount == 1:
                return True
            holder = conn.execute(
                select(st.c.lease_owner).where(st.c.source_id == source_id)
            ).scalar_one_or_none()
            if holder and is_dead is not None and is_dead(holder):
                res = conn.execute(
                    update(st).where(st.c.source_id == source_id, st.c.lease_owner == holder)
                    .values(lease_owner=owner, lease_until=until)
                )
                return res.rowcount == 1
        return False

    def release_lease(self: Store, source_id: int, owner: str) -> None:
        st = collect_state
        with self.write() as conn:
            conn.execute(
                update(st).where(st.c.source_id == source_id, st.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def record_collect_run(
        self: Store, source_id: int, *, ok: bool, new_items: int, next_due: datetime,
        error_code: str | None = None, error: str | None = None, unhealthy_after: int = 5,
    ) -> dict[str, Any]:
        """Update health after one run: a success resets the error streak; ``unhealthy_after``
        failures in a row mark the source unhealthy. Returns the new state."""
        now = _now()
        st = collect_state
        with self.write() as conn:
            self._ensure_state(conn, source_id)
            values: dict[str, Any] = {
                "last_attempt_at": now, "next_due_at": next_due, "runs": st.c.runs + 1,
                "items_total": st.c.items_total + new_items, "last_run_items": new_items,
            }
            if ok:
                values.update(last_success_at=now, error_streak=0, healthy=True)
            else:
                values.update(last_error_at=now, last_error_code=(error_code or "error")[:40],
                              last_error=(error or "")[:2000], error_streak=st.c.error_streak + 1)
            conn.execute(update(st).where(st.c.source_id == source_id).values(**values))
            if not ok:
                conn.execute(
                    update(st).where(st.c.source_id == source_id,
                                     st.c.error_streak >= unhealthy_after).values(healthy=False)
                )
            row = conn.execute(select(st).where(st.c.source_id == source_id)).first()
        return dict(row._mapping) if row else {}

    # ------------------------------------------------------------------ events (health log)
    def add_collect_events(self: Store, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        now = _now()
        with self.write() as conn:
            conn.execute(insert(collect_events), [
                {"source_id": r.get("source_id"), "at": r.get("at") or now,
                 "level": r.get("level", "error"), "code": r["code"][:40],
                 "url": r.get("url"), "detail": (r.get("detail") or "")[:4000]}
                for r in rows
            ])

    def list_collect_events(
        self: Store, limit: int = 50, source_key: str | None = None, code: str | None = None
    ) -> list[dict[str, Any]]:
        ev = collect_events
        q = (select(ev, sources.c.key.label("source"))
             .select_from(ev.outerjoin(sources, sources.c.id == ev.c.source_id)))
        if source_key:
            q = q.where(sources.c.key == source_key)
        if code:
            q = q.where(ev.c.code == code)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(ev.c.id.desc()).limit(limit))]

    # ------------------------------------------------------------------ conditional GET state
    def get_fetch_state(self: Store, source_id: int, url: str) -> dict[str, Any] | None:
        fs = fetch_state
        with self.read() as conn:
            row = conn.execute(
                select(fs).where(fs.c.source_id == source_id, fs.c.url_hash == url_hash(url))
            ).first()
        return dict(row._mapping) if row else None

    def set_fetch_state(
        self: Store, source_id: int, url: str, *, etag: str | None = None,
        last_modified: str | None = None, cursor: str | None = None,
    ) -> None:
        """Written only after the items of that response are committed: a crash in between
        must make the next run fetch the body again, not get a 304 and lose the items."""
        fs = fetch_state
        values = {"url": url, "etag": etag, "last_modified": last_modified, "cursor": cursor,
                  "updated_at": _now()}
        stmt = self._insert(fs).values(source_id=source_id, url_hash=url_hash(url), **values)
        stmt = stmt.on_conflict_do_update(index_elements=["source_id", "url_hash"], set_=values)
        with self.write() as conn:
            conn.execute(stmt)

    # ------------------------------------------------------------------ crawl queue
    def enqueue_urls(
        self: Store, source_id: int, entries: Iterable[tuple[str, dict[str, Any] | None]]
    ) -> int:
        """Add URLs to the source's queue (known URLs are left alone); returns how many new."""
        now = _now()
        rows, seen = [], set()
        for url, hint in entries:
            h = url_hash(url)
            if h in seen:
                continue
            seen.add(h)
            rows.append({"source_id": source_id, "url_hash": h, "url": url, "status": "pending",
                         "attempts": 0, "hint": hint, "discovered_at": now})
        if not rows:
            return 0
        stmt = self._insert(crawl_queue).on_conflict_do_nothing(
            index_elements=["source_id", "url_hash"]).returning(crawl_queue.c.id)
        n = 0
        with self.write() as conn:
            for i in range(0, len(rows), 500):
                n += len(conn.execute(stmt, rows[i : i + 500]).all())
        return n

    def pending_urls(
        self: Store, source_id: int, limit: int, max_attempts: int = 3, after_id: int = 0
    ) -> list[dict[str, Any]]:
        """Pending queue entries in discovery order; ``after_id`` pages through one run."""
        q = crawl_queue
        with self.read() as conn:
            rows = conn.execute(
                select(q.c.id, q.c.url, q.c.hint, q.c.attempts)
                .where(q.c.source_id == source_id, q.c.status == "pending",
                       q.c.attempts < max_attempts, q.c.id > after_id)
                .order_by(q.c.id).limit(limit)
            ).all()
        return [dict(r._mapping) for r in rows]

    def queue_counts(self: Store, source_id: int) -> dict[str, int]:
        q = crawl_queue
        with self.read() as conn:
            return {s: int(n) for s, n in conn.execute(
                select(q.c.status, func.count()).where(q.c.source_id == source_id)
                .group_by(q.c.status))}

    def mark_urls(
        self: Store, source_id: int, *, done: Sequence[int] = (),
        failed: Sequence[tuple[int, str]] = (), retry: Sequence[tuple[int, str]] = (),
        max_attempts: int = 3,
    ) -> None:
        """Queue ids: ``done``; ``failed`` for good (with a reason code); ``retry`` counts an
        attempt and fails the URL for good once ``max_attempts`` is reached."""
        q = crawl_queue
        now = _now()
        with self.write() as conn:
            for i in range(0, len(done), 900):
                conn.execute(update(q).where(q.c.id.in_(list(done[i : i + 900])))
                             .values(status="done", done_at=now, attempts=q.c.attempts + 1))
            for qid, code in failed:
                conn.execute(update(q).where(q.c.id == qid).values(
                    status="failed", last_error=code[:40], done_at=now, attempts=q.c.attempts + 1))
            for qid, code in retry:
                conn.execute(update(q).where(q.c.id == qid).values(
                    last_error=code[:40], attempts=q.c.attempts + 1))
                conn.execute(update(q).where(and_(q.c.id == qid, q.c.attempts >= max_attempts))
                             .values(status="failed", done_at=now))

    # ------------------------------------------------------------------ evidence
    def save_evidence(
        self: Store, snapshots: Sequence[dict[str, Any]],
        links: Sequence[tuple[int, str, str]] = (),
    ) -> list[int]:
        """Store snapshots (dicts with the ``evidence`` columns except id/url_hash) and the
        links ``(index into snapshots, source key, external id)``; returns their ids in order.
        The same body fetched again from the same URL keeps its first snapshot."""
        if not snapshots:
            return []
        ev = evidence
        rows = [{**s, "url_hash": url_hash(s["final_url"])} for s in snapshots]
        with self.write() as conn:
            conn.execute(self._insert(ev).on_conflict_do_nothing(
                index_elements=["sha256", "url_hash"]), rows)
            # One lookup for the whole batch (new and already-stored snapshots alike).
            found: dict[tuple[str, str], int] = {}
            shas = sorted({r["sha256"] for r in rows})
            for start in range(0, len(shas), 500):
                q = select(ev.c.id, ev.c.sha256, ev.c.url_hash).where(
                    ev.c.sha256.in_(shas[start:start + 500]))
                found.update({(sha, uh): int(i) for i, sha, uh in conn.execute(q)})
            ids = [found[(r["sha256"], r["url_hash"])] for r in rows]
            link_rows = [{"evidence_id": ids[i], "source_key": k[:200], "external_id": x[:500]}
                         for i, k, x in links]
            if link_rows:
                conn.execute(self._insert(evidence_links).on_conflict_do_nothing(
                    index_elements=["evidence_id", "source_key", "external_id"]), link_rows)
        return ids

    def get_evidence(self: Store, evidence_id: int) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).first()
        return dict(row._mapping) if row else None

    def evidence_for_item(self: Store, item_id: int) -> list[dict[str, Any]]:
        """Snapshots an item was seen in, oldest first (joined by source key + external id)."""
        with self.read() as conn:
            row = conn.execute(
                select(sources.c.key, items.c.external_id)
                .select_from(items.join(sources, sources.c.id == items.c.source_id))
                .where(items.c.id == item_id)
            ).first()
            if row is None or row.external_id is None:
                return []
            q = (select(evidence)
                 .join(evidence_links, evidence_links.c.evidence_id == evidence.c.id)
                 .where(evidence_links.c.source_key == row.key,
                        evidence_links.c.external_id == row.external_id)
                 .order_by(evidence.c.fetched_at, evidence.c.id))
            return [dict(r._mapping) for r in conn.execute(q)]

    def evidence_counts(self: Store) -> dict[str, int]:
        with self.read() as conn:
            n, size = conn.execute(
                select(func.count(), func.coalesce(func.sum(evidence.c.size), 0))
            ).one()
            stored = conn.execute(select(func.coalesce(func.sum(func.length(evidence.c.body)), 0))
                                  ).scalar_one()
        return {"snapshots": int(n), "bytes": int(size), "stored_bytes": int(stored)}
