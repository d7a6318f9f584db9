"""Queries of the analysis side (mixed into :class:`Store`): search with sorting and facets,
item facets and rollups, watchlists, alerts, issues of public concern."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    delete,
    distinct,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    update,
)

from vimon.store.schema import (
    alerts,
    analysis_state,
    clusters,
    flags,
    item_stats,
    item_tags,
    items,
    labels,
    rollups,
    sources,
    watchlists,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection

    from vimon.analysis.facets import Facets
    from vimon.store.querylang import Field, Query

SORTS = ("time", "reach", "risk")
# Share of all items a query must match for the newest-first walk: at 0.5 % a page of 25 tests
# ~5,000 rows (a few µs each: a regular expression on the folded text, index probes for fields);
# sparser queries fetch their few matches and sort them.
PROBE_DENSITY = 0.005
FACETS = ("source", "kind", "topic", "sentiment", "district", "tag", "label", "day")
_RESULT_COLS = (
    items.c.id, items.c.kind, items.c.url, items.c.title, items.c.author, items.c.published_at,
    items.c.cluster_id, items.c.metrics, items.c.followers, items.c.text_norm,
    sources.c.key.label("source"), sources.c.name.label("source_name"),
    func.coalesce(item_stats.c.reach, 0).label("reach"),
    func.coalesce(item_stats.c.risk, 0.0).label("risk"),
    func.coalesce(item_stats.c.priority, 0).label("priority"),
    item_stats.c.sentiment,
)


class AnalysisQueries:
    """Mixed into Store, which provides these members."""

    dialect: str

    if TYPE_CHECKING:
        def read(self) -> AbstractContextManager[Connection]: ...

        def write(self) -> AbstractContextManager[Connection]: ...

        def _insert(self, table: Any) -> Any: ...

        def local_day(self, col: Any) -> Any: ...

        def _insert_values(self, conn: Connection, table: str, cols: Sequence[str],
                           rows: Sequence[Sequence[Any]], suffix: str = "", *,
                           sizes: Sequence[int] | None = None, returning: str = "") -> list[Any]: ...

        def _db(self, v: Any) -> Any: ...

        def _sql(self, conn: Connection, sql: str, params: Sequence[Any] = (),
                 many: bool = False) -> Any: ...

    # ------------------------------------------------------------------ search
    def _item_count_estimate(self, conn: Connection) -> int:
        """Items in the table, cached for a minute (the max id is a cheap upper bound)."""
        import time as _time

        cached = getattr(self, "_n_items_cache", None)
        if cached and _time.monotonic() - cached[1] < 60:
            return int(cached[0])
        n = int(conn.execute(select(func.max(items.c.id))).scalar() or 0)
        self._n_items_cache = (n, _time.monotonic())
        return n

    def _matched(self, query: Query) -> Any:
        from vimon.store.querylang import compile_where

        q = select(items.c.id)
        cond = compile_where(query, self.dialect)
        return q if cond is None else q.where(cond)

    def search_items(self, query: Query, *, sort: str = "time", limit: int = 25,
                     offset: int = 0, count: bool = True, count_cap: int | None = None
                     ) -> tuple[list[dict[str, Any]], int]:
        """One page of results with reach, risk and sentiment; ``total`` counts all matches,
        or, with ``count_cap``, stops counting there (a total equal to the cap means "at
        least that many", as search engines report large result sets)."""
        from vimon.store.querylang import compile_where

        base = select(*_RESULT_COLS).select_from(
            items.outerjoin(sources, sources.c.id == items.c.source_id)
            .outerjoin(item_stats, item_stats.c.item_id == items.c.id))
        cond = compile_where(query, self.dialect)
        if cond is not None:
            base = base.where(cond)
        if sort == "reach":
            order = [item_stats.c.reach.desc().nulls_last(), items.c.id.desc()]
        elif sort == "risk":
            order = [item_stats.c.risk.desc().nulls_last(),
                     item_stats.c.priority.desc().nulls_last(), items.c.id.desc()]
        else:
            order = [items.c.published_at.desc().nulls_last(), items.c.id.desc()]
        with self.read() as conn:
            if self.dialect == "sqlite" and sort == "time" and not query.exact:
                planned = self._sqlite_newest(conn, query, base, order, limit, offset, count_cap)
                if planned is not None:
                    return planned
            rows = _page(conn, base.order_by(*order), limit, offset)
            total = -1
            if count:
                cq: Any = select(literal_column("1")).select_from(items)
                total = _count(conn, cq if cond is None else cq.where(cond), count_cap)
        return rows, total

    def _sqlite_newest(self, conn: Connection, query: Query, base: Any, order: list[Any],
                       limit: int, offset: int, count_cap: int | None
                       ) -> tuple[list[dict[str, Any]], int] | None:
        """Newest-first plans for queries with a plain-text part on SQLite (None = use the
        general plan). FTS5 counts its own matches fast, but fetching them all to sort by time
        is slow, and so is a MATCH probe per row. So: count with FTS5 driving (or the source
        index, when a ``source:`` condition narrows more), then, when matches are dense, walk
        the time index newest first testing each row with row-local conditions (text as a
        regular expression on the folded column) and stop after a page; when sparse, fetch
        the few matches and sort them."""
        from vimon.store.querylang import (
            TAG_FIELDS,
            DateRange,
            Field,
            compile_probe,
            fts_match,
            split_text,
        )

        fts, rest = split_text(query, "sqlite")
        if fts is None or query.root is None:
            return None
        by_source = any(isinstance(n, Field) and n.name == "source" for n in rest)
        dated = any(isinstance(n, DateRange) for n in rest)
        probe = compile_probe([query.root])  # the whole query, tested on one row
        if not rest:
            total = int(conn.exec_driver_sql(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", (fts,)).scalar_one())
            if count_cap is not None:
                total = min(total, count_cap)
        else:
            if by_source:  # the source's items (an index) drive, tested row by row
                cq: Any = select(literal_column("1")).select_from(items).where(probe)
            elif dated:  # the date range of the time index drives; FTS5's matches as a set
                cq = select(literal_column("1")).select_from(items).with_hint(
                    items, "INDEXED BY ix_items_published", "sqlite").where(
                    fts_match(fts), compile_probe(rest))
            else:
                tags = [n for n in rest if isinstance(n, Field) and n.name in TAG_FIELDS]
                counted = None if len(tags) < len(rest) else _intersect_count(
                    conn, fts, tags, count_cap, self._item_count_estimate(conn))
                if counted is None:  # FTS5's matches, each tested for the other conditions
                    cq = _fts_driven(fts, compile_probe(rest))
                else:
                    total, cq = counted, None
            if cq is not None:
                total = _count(conn, cq, count_cap)
        n_items = self._item_count_estimate(conn)
        if total == 0 or (not by_source and total / max(n_items, 1) < PROBE_DENSITY):
            return _page(conn, base.order_by(*order), limit, offset), total
        plan = select(*_RESULT_COLS).select_from(
            items.outerjoin(sources, sources.c.id == items.c.source_id)
            .outerjoin(item_stats, item_stats.c.item_id == items.c.id))
        plan = plan.with_hint(items, "INDEXED BY ix_items_source_published" if by_source
                              else "INDEXED BY ix_items_published", "sqlite")
        plan = plan.where(items.c.published_at.is_not(None), probe)
        rows = _page(conn, plan.order_by(items.c.published_at.desc(), items.c.id.desc()),
                     limit, offset)
        if len(rows) < limit:  # undated matches come last
            rows = _page(conn, base.order_by(*order), limit, offset)
        return rows, total

    def search_facets(self, query: Query, *, top: int = 12, days: int = 60) -> dict[str, list]:
        """Counts of the matching items by source, kind, topic, sentiment, district, tag,
        label and Hanoi day."""
        m = self._matched(query).subquery()
        out: dict[str, list] = {}
        with self.read() as conn:
            out["source"] = [
                {"key": r[0], "value": r[1] or r[0], "n": int(r[2])} for r in conn.execute(
                    select(sources.c.key, sources.c.name, func.count())
                    .select_from(items.join(m, m.c.id == items.c.id)
                                 .join(sources, sources.c.id == items.c.source_id))
                    .group_by(sources.c.key, sources.c.name)
                    .order_by(func.count().desc()).limit(top))]
            out["kind"] = [
                {"key": r[0], "value": r[0], "n": int(r[1])} for r in conn.execute(
                    select(items.c.kind, func.count())
                    .select_from(items.join(m, m.c.id == items.c.id))
                    .group_by(items.c.kind).order_by(func.count().desc()))]
            tag_rows = conn.execute(
                select(item_tags.c.kind, item_tags.c.key, func.max(item_tags.c.value),
                       func.count())
                .select_from(item_tags.join(m, m.c.id == item_tags.c.item_id))
                .where(item_tags.c.kind.in_(("topic", "sentiment", "district", "tag")))
                .group_by(item_tags.c.kind, item_tags.c.key)
                .order_by(func.count().desc()))
            for kind, key, value, n in tag_rows:
                lst = out.setdefault(kind, [])
                if len(lst) < top:
                    lst.append({"key": key, "value": value, "n": int(n)})
            out["label"] = [
                {"key": f"{r[0]}:{r[1]}", "value": f"{r[0]}: {r[1]}", "n": int(r[2])}
                for r in conn.execute(
                    select(labels.c.task, labels.c.label, func.count())
                    .select_from(labels.join(m, m.c.id == labels.c.item_id))
                    .group_by(labels.c.task, labels.c.label)
                    .order_by(func.count().desc()).limit(top))]
            day = self.local_day(items.c.published_at)
            out["day"] = [
                {"key": r[0], "value": r[0], "n": int(r[1])} for r in conn.execute(
                    select(day.label("d"), func.count())
                    .select_from(items.join(m, m.c.id == items.c.id))
                    .where(items.c.published_at.is_not(None))
                    .group_by(literal_column("d")).order_by(literal_column("d").desc())
                    .limit(days))][::-1]
        for k in FACETS:
            out.setdefault(k, [])
        return out

    def item_tags_for(self, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        out: dict[int, dict[str, list[str]]] = {}
        if not ids:
            return out
        with self.read() as conn:
            for r in conn.execute(select(item_tags).where(item_tags.c.item_id.in_(list(ids)))):
                out.setdefault(int(r.item_id), {}).setdefault(r.kind, []).append(r.value)
        return out

    # ------------------------------------------------------------------ ingest side
    def analysis_sources(self) -> dict[str, tuple[int, str | None]]:
        with self.read() as conn:
            return {r.key: (int(r.id), r.district) for r in
                    conn.execute(select(sources.c.key, sources.c.id, sources.c.district))}

    def save_analysis(self, facets: Sequence[Facets], flag_rows: Sequence[dict[str, Any]] = (),
                      ids: Sequence[tuple[int, int | None]] | None = None) -> None:
        """Item tags and stats and review flags of one batch, together (the rollups follow
        from the tags and stats: :meth:`add_rollups`).
        ``ids``: (item id, source id) of each facet, when its own fields are not filled in
        yet (facets computed before the items were stored)."""
        ids = ids if ids is not None else [(f.item_id, f.source_id) for f in facets]
        tag_rows = [(iid, kind, key, value) for f, (iid, _) in zip(facets, ids, strict=True)
                    for kind, kv in f.tags.items() for key, value in kv.items()]
        db = self._db  # times as the driver stores them for SQLAlchemy's column type
        stat_rows = [(iid, db(f.at), sid, f.reach, f.risk, f.priority, f.sentiment)
                     for f, (iid, sid) in zip(facets, ids, strict=True)]
        with self.write() as conn:
            # Driver-level multi-row inserts: these rows are many and tiny.
            self._insert_values(conn, "item_stats", ("item_id", "at", "source_id", "reach", "risk",
                                "priority", "sentiment"), stat_rows, " ON CONFLICT DO NOTHING")
            self._insert_values(conn, "item_tags", ("item_id", "kind", "key", "value"), tag_rows,
                                " ON CONFLICT DO NOTHING")
            if flag_rows:
                conn.execute(insert(flags), list(flag_rows))

    def add_rollups(self, item_ids: Sequence[int]) -> None:
        """Add the items' hourly and Hanoi-day increments to the rollups, summed by the
        database from their stats and tags rows (:meth:`save_analysis` wrote them; in the
        same transaction when called inside its ``write()``), in one statement: grouping and
        the upsert run in C without Python's lock, so the ingest's other thread carries on.
        Each dimension is summed per hour, then the days from those hours (few rows), as
        :func:`vimon.analysis.facets.rollup_rows` does in Python (the contract tests
        compare the two). Tags are reached from the batch's items through their primary
        key (``CROSS JOIN`` fixes that order on SQLite), never by scanning a tag kind."""
        if not item_ids:
            return
        if self.dialect == "sqlite":
            hour = "substr(s.at, 1, 13) || ':00:00.000000'"  # SQLAlchemy's text form
            day = "datetime(date(hb, '+7 hours'), '-7 hours') || '.000000'"
        else:
            hour = "date_trunc('hour', s.at)"
            day = "date_trunc('day', hb + interval '7 hours') - interval '7 hours'"
        sent = ", ".join(f"CASE s.sentiment WHEN '{v}' THEN 1 ELSE 0 END AS {c}"
                         for v, c in (("positive", "pos"), ("negative", "neg"), ("neutral", "neu")))
        sums = ("n", "pos", "neg", "neu", "reach")
        agg = "count(*) AS n, sum(pos) AS pos, sum(neg) AS neg, sum(neu) AS neu, sum(reach) AS reach"
        sql = (
            f"WITH b AS MATERIALIZED (SELECT s.item_id, s.source_id, s.reach, {sent}, {hour} AS hb "
            "FROM item_stats s WHERE s.item_id IN ({ids})), "
            f"hr AS MATERIALIZED (SELECT 'all' AS dim, '' AS k, hb, {agg} FROM b GROUP BY hb "
            f"UNION ALL SELECT 'kind', i.kind, hb, {agg} FROM b JOIN items i ON i.id = b.item_id "
            "GROUP BY i.kind, hb "
            f"UNION ALL SELECT 'source', src.key, hb, {agg} FROM b JOIN sources src "
            "ON src.id = b.source_id GROUP BY src.key, hb "
            f"UNION ALL SELECT t.kind, t.key, hb, {agg} FROM b CROSS JOIN item_tags t "
            "WHERE t.item_id = b.item_id AND t.kind IN ('topic', 'district', 'tag') "
            "GROUP BY t.kind, t.key, hb) "
            f'INSERT INTO rollups (grain, dim, "key", bucket, {", ".join(sums)}) '
            "SELECT * FROM (SELECT 'h' AS grain, dim, k, hb AS bucket, n, pos, neg, neu, reach "
            f"FROM hr UNION ALL SELECT 'd', dim, k, {day} AS db, sum(n), sum(pos), sum(neg), "
            "sum(neu), sum(reach) FROM hr GROUP BY dim, k, db) AS r WHERE true "
            'ON CONFLICT (grain, dim, "key", bucket) DO UPDATE SET '
            + ", ".join(f"{c} = rollups.{c} + excluded.{c}" for c in sums))
        step = 30_000  # under SQLite's bound-parameter limit
        with self.write() as conn:
            for i in range(0, len(item_ids), step):
                part = list(item_ids[i:i + step])
                self._sql(conn, sql.replace("{ids}", ", ".join(["?"] * len(part))), part)

    def items_for_analysis(self, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Stored items (with source key) in id order, for rebuilding facets and rollups."""
        q = (select(items.c.id, items.c.folded, items.c.kind, items.c.author,
                    items.c.published_at, items.c.collected_at, items.c.metrics,
                    items.c.followers, items.c.extra, items.c.url, items.c.title,
                    items.c.text_norm, sources.c.key.label("source"))
             .select_from(items.outerjoin(sources, sources.c.id == items.c.source_id))
             .where(items.c.id > after_id).order_by(items.c.id).limit(limit))
        with self.read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
            ids = [r["id"] for r in rows]
            lab: dict[int, list[tuple[str, str, float | None]]] = {}
            if ids:
                for lr in conn.execute(select(labels.c.item_id, labels.c.task, labels.c.label,
                                              labels.c.score)
                                       .where(labels.c.item_id.between(ids[0], ids[-1]))):
                    lab.setdefault(int(lr[0]), []).append((lr[1], lr[2], lr[3]))
        for row in rows:
            row["labels"] = lab.get(row["id"], [])
        return rows

    def clear_analysis(self) -> None:
        with self.write() as conn:
            for t in (item_tags, item_stats, rollups):
                conn.execute(delete(t))

    # ------------------------------------------------------------------ rollups
    def series(self, grain: str, dim: str, key: str, since: datetime,
               until: datetime | None = None) -> list[dict[str, Any]]:
        q = select(rollups.c.bucket, rollups.c.n, rollups.c.pos, rollups.c.neg, rollups.c.neu,
                   rollups.c.reach).where(rollups.c.grain == grain, rollups.c.dim == dim,
                                          rollups.c.key == key, rollups.c.bucket >= since)
        if until is not None:
            q = q.where(rollups.c.bucket < until)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(rollups.c.bucket))]

    def top_keys(self, grain: str, dim: str, since: datetime, limit: int = 10,
                 until: datetime | None = None) -> list[dict[str, Any]]:
        """Keys of one dimension by volume since ``since``, with their sentiment totals."""
        q = (select(rollups.c.key, func.sum(rollups.c.n).label("n"),
                    func.sum(rollups.c.pos).label("pos"), func.sum(rollups.c.neg).label("neg"),
                    func.sum(rollups.c.neu).label("neu"), func.sum(rollups.c.reach).label("reach"))
             .where(rollups.c.grain == grain, rollups.c.dim == dim, rollups.c.bucket >= since)
             .group_by(rollups.c.key).order_by(func.sum(rollups.c.n).desc()).limit(limit))
        if until is not None:
            q = q.where(rollups.c.bucket < until)
        with self.read() as conn:
            return [{k: (int(v) if k != "key" else v) for k, v in r._mapping.items()}
                    for r in conn.execute(q)]

    def tag_labels(self, kind: str, keys: Sequence[str]) -> dict[str, str]:
        """Display values of tag keys (one query; used to title series)."""
        if not keys:
            return {}
        with self.read() as conn:
            return {r[0]: r[1] for r in conn.execute(
                select(item_tags.c.key, func.max(item_tags.c.value))
                .where(item_tags.c.kind == kind, item_tags.c.key.in_(list(keys)))
                .group_by(item_tags.c.key))}

    def last_bucket(self) -> datetime | None:
        with self.read() as conn:
            return conn.execute(select(func.max(rollups.c.bucket)).where(
                rollups.c.grain == "h", rollups.c.dim == "all")).scalar()

    # ------------------------------------------------------------------ issues
    def cluster_activity(self, since: datetime, prev_since: datetime, min_size: int = 2,
                         limit: int = 200, until: datetime | None = None) -> list[dict[str, Any]]:
        """Story clusters active since ``since`` (until ``until``, when given): items and
        distinct sources in the window, items in the window before, first appearance, title."""
        at = item_stats.c.at
        window = (at >= since) if until is None else ((at >= since) & (at < until))
        with self.read() as conn:
            cur = {r[0]: (int(r[1]), int(r[2])) for r in conn.execute(
                select(items.c.cluster_id, func.count(), func.count(distinct(items.c.source_id)))
                .select_from(items.join(item_stats, item_stats.c.item_id == items.c.id))
                .join(clusters, clusters.c.id == items.c.cluster_id)
                .where(window, clusters.c.size >= min_size)
                .group_by(items.c.cluster_id)
                .order_by(func.count().desc()).limit(limit))}
            if not cur:
                return []
            prev = {r[0]: int(r[1]) for r in conn.execute(
                select(items.c.cluster_id, func.count())
                .select_from(items.join(item_stats, item_stats.c.item_id == items.c.id))
                .where(items.c.cluster_id.in_(list(cur)), at >= prev_since, at < since)
                .group_by(items.c.cluster_id))}
            info = {r.id: dict(r._mapping) for r in conn.execute(
                select(clusters).where(clusters.c.id.in_(list(cur))))}
        out = []
        for cid, (n, nsrc) in cur.items():
            c = info.get(cid, {})
            out.append({"cluster_id": cid, "title": c.get("title"), "size": c.get("size"),
                        "first_seen": c.get("first_seen"), "last_seen": c.get("last_seen"),
                        "volume": n, "previous": prev.get(cid, 0), "sources": nsrc})
        return out

    def cluster_breakdown(self, cluster_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Sentiment mix, top sources and the widest-reach title of each cluster."""
        out: dict[str, dict[str, Any]] = {c: {"sentiment": {}, "sources": [], "title": None}
                                          for c in cluster_ids}
        if not cluster_ids:
            return out
        ids = list(cluster_ids)
        with self.read() as conn:
            for cid, s, n in conn.execute(
                    select(items.c.cluster_id, item_stats.c.sentiment, func.count())
                    .select_from(items.join(item_stats, item_stats.c.item_id == items.c.id))
                    .where(items.c.cluster_id.in_(ids))
                    .group_by(items.c.cluster_id, item_stats.c.sentiment)):
                out[cid]["sentiment"][s or "unknown"] = int(n)
            for cid, key, name, n in conn.execute(
                    select(items.c.cluster_id, sources.c.key, sources.c.name, func.count())
                    .select_from(items.join(sources, sources.c.id == items.c.source_id))
                    .where(items.c.cluster_id.in_(ids))
                    .group_by(items.c.cluster_id, sources.c.key, sources.c.name)
                    .order_by(func.count().desc())):
                out[cid]["sources"].append({"key": key, "name": name or key, "n": int(n)})
            for cid, title, _reach in conn.execute(
                    select(items.c.cluster_id, items.c.title, item_stats.c.reach)
                    .select_from(items.join(item_stats, item_stats.c.item_id == items.c.id))
                    .where(items.c.cluster_id.in_(ids), items.c.title.is_not(None))
                    .order_by(item_stats.c.reach.desc())):
                if out[cid]["title"] is None:
                    out[cid]["title"] = title
        return out

    # ------------------------------------------------------------------ watchlists
    def list_watchlists(self, active_only: bool = False) -> list[dict[str, Any]]:
        q = select(watchlists).order_by(watchlists.c.slug)
        if active_only:
            q = q.where(watchlists.c.active.is_(True))
        with self.read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
            counts = {r[0]: int(r[1]) for r in conn.execute(
                select(item_tags.c.key, func.count()).where(item_tags.c.kind == "tag")
                .group_by(item_tags.c.key))}
        for r in rows:
            r["matches"] = counts.get(r["slug"], 0)
        return rows

    def get_watchlist(self, slug: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(watchlists).where(watchlists.c.slug == slug)).first()
        return dict(row._mapping) if row else None

    def save_watchlist(self, data: dict[str, Any]) -> int:
        from vimon.store.base import utcnow

        now = utcnow()
        values = {k: v for k, v in data.items() if k in watchlists.c and k not in ("id",)}
        with self.write() as conn:
            row = conn.execute(select(watchlists.c.id)
                               .where(watchlists.c.slug == values["slug"])).first()
            if row:
                conn.execute(update(watchlists).where(watchlists.c.id == row.id)
                             .values(**values, updated_at=now))
                return int(row.id)
            values.setdefault("created_at", now)
            return int(conn.execute(insert(watchlists).values(**values, updated_at=now))
                       .inserted_primary_key[0])  # type: ignore[index]

    def delete_watchlist(self, slug: str) -> bool:
        with self.write() as conn:
            return conn.execute(delete(watchlists).where(watchlists.c.slug == slug)).rowcount > 0

    # ------------------------------------------------------------------ alerts
    def add_alert(self, row: dict[str, Any]) -> int | None:
        """Record an alert; None when one with the same dedupe key exists (deduplicated)."""
        with self.write() as conn:
            res = conn.execute(self._insert(alerts).on_conflict_do_nothing(
                index_elements=["dedupe_key"]).returning(alerts.c.id), [row]).first()
        return int(res[0]) if res else None

    def update_alert(self, alert_id: int, **values: Any) -> None:
        with self.write() as conn:
            conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))

    def list_alerts(self, limit: int = 50, offset: int = 0, status: str | None = None,
                    kind: str | None = None) -> tuple[list[dict[str, Any]], int]:
        q = select(alerts)
        if status:
            q = q.where(alerts.c.status == status)
        if kind:
            q = q.where(alerts.c.kind == kind)
        with self.read() as conn:
            total = int(conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())
            rows = [dict(r._mapping) for r in conn.execute(
                q.order_by(alerts.c.id.desc()).limit(limit).offset(offset))]
        return rows, total

    def alerts_sent_since(self, since: datetime) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(alerts).where(
                alerts.c.created_at >= since, alerts.c.status.in_(("sent", "failed")))
            ).scalar_one())

    def high_risk_items(self, since: datetime, threshold: float,
                        limit: int = 50) -> list[dict[str, Any]]:
        q = (select(items.c.id, items.c.title, items.c.text_norm, items.c.url,
                    item_stats.c.risk, item_stats.c.reach, sources.c.key.label("source"))
             .select_from(items.join(item_stats, item_stats.c.item_id == items.c.id)
                          .outerjoin(sources, sources.c.id == items.c.source_id))
             .where(item_stats.c.at >= since, or_(item_stats.c.risk >= threshold,
                                                   item_stats.c.priority >= 100))
             .order_by(item_stats.c.risk.desc()).limit(limit))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def watch_matches_since(self, since: datetime, slugs: Sequence[str]) -> list[dict[str, Any]]:
        if not slugs:
            return []
        q = (select(item_tags.c.key.label("slug"), items.c.id, items.c.title, items.c.text_norm,
                    items.c.url, sources.c.key.label("source"))
             .select_from(item_tags.join(items, items.c.id == item_tags.c.item_id)
                          .join(item_stats, item_stats.c.item_id == items.c.id)
                          .outerjoin(sources, sources.c.id == items.c.source_id))
             .where(item_tags.c.kind == "tag", item_tags.c.key.in_(list(slugs)),
                    item_stats.c.at >= since).order_by(items.c.id).limit(500))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ state
    def get_state(self, key: str, default: Any = None) -> Any:
        with self.read() as conn:
            v = conn.execute(select(analysis_state.c.value)
                             .where(analysis_state.c.key == key)).scalar()
        return default if v is None else json.loads(v)

    def set_state(self, key: str, value: Any) -> None:
        stmt = self._insert(analysis_state).values(key=key, value=json.dumps(value, default=str))
        with self.write() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"],
                                                    set_={"value": stmt.excluded.value}))


def _page(conn: Connection, stmt: Any, limit: int, offset: int) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(stmt.limit(limit).offset(offset))]


def _count(conn: Connection, rows: Any, cap: int | None) -> int:
    """Rows of ``rows`` (a SELECT), counting no further than ``cap``."""
    if cap is not None:
        rows = rows.limit(cap)
    return int(conn.execute(select(func.count()).select_from(rows.subquery())).scalar_one())


# Costs per row on SQLite, measured on a million items (bench_search): one ``item_tags`` probe
# for an FTS5 match ≈ 1 µs; reading a tag's item ids out of its index with group_concat into
# numpy ≈ 0.25 µs.
PROBE_US, TAG_ID_US = 1.0, 0.25
INTERSECT_MAX = 400_000  # a longer id list is not fetched


def _intersect_count(conn: Connection, fts: str, tags: Sequence[Field], cap: int | None,
                     n_items: int) -> int | None:
    """Matches of ``fts`` that carry every tag of ``tags`` (tag fields), counted up to ``cap``
    by intersecting id lists (FTS5's rowids, the tag index's item ids) in numpy; None when
    probing FTS5's matches one by one is expected to be cheaper (a common tag reaches ``cap``
    after few probes). Both ways give the same number."""
    import numpy as np

    from vimon.store.querylang import tag_key_condition, tag_keys

    def ids(stmt: Any, *args: Any) -> Any:
        text = conn.exec_driver_sql(stmt, args).scalar() if isinstance(stmt, str) \
            else conn.execute(stmt).scalar()
        return np.fromstring(text or "", dtype=np.int64, sep=",")

    wheres = [(item_tags.c.kind == n.name, tag_key_condition(n, item_tags.c.key)) for n in tags]
    sizes = [int(conn.execute(select(func.count()).select_from(
        select(literal_column("1")).select_from(item_tags).where(*w)
        .limit(INTERSECT_MAX + 1).subquery())).scalar_one()) for w in wheres]
    if min(sizes) == 0:
        return 0
    # Row by row, FTS5's matches are probed in rowid order until ``cap`` of them pass: with the
    # rarest tag on a share ``p`` of all items, about ``cap / p`` probes (fewer when FTS5 has
    # fewer matches, known once they are read).
    probes = float("inf") if cap is None else cap * max(n_items, 1) / min(sizes)
    if max(sizes) > INTERSECT_MAX or probes * PROBE_US <= sum(sizes) * TAG_ID_US:
        return None
    found = ids("SELECT group_concat(rowid) FROM items_fts WHERE items_fts MATCH ?", fts)
    if len(found) == 0 or len(found) > INTERSECT_MAX:
        return 0 if len(found) == 0 else None
    if min(probes, len(found)) * PROBE_US <= sum(sizes) * TAG_ID_US:
        return None
    for n, w in zip(tags, wheres, strict=True):
        tagged = ids(select(func.group_concat(item_tags.c.item_id)).where(*w))
        if n.wildcard or len(tag_keys(n.name, n.value)) > 1:  # an item may be listed twice
            tagged.sort()
            tagged = tagged[np.concatenate(([True], tagged[1:] != tagged[:-1]))]
        found = np.intersect1d(found, tagged, assume_unique=True)
    return len(found) if cap is None else min(len(found), cap)


def _fts_driven(fts: str, cond: Any) -> Any:
    """``SELECT 1`` for each FTS5 match that also meets ``cond``. When ``cond`` looks at no
    column of ``items`` but its id (tags, labels), it is tested on the FTS5 rowid directly,
    without reading the item row (measured: 3x faster on a million items)."""
    from sqlalchemy import Column
    from sqlalchemy.sql import visitors

    rowid: Any = literal_column("items_fts.rowid")
    cols = {c for c in visitors.iterate(cond) if isinstance(c, Column) and c.table is items}
    match = literal_column("items_fts").op("MATCH")(fts)
    if cols <= {items.c.id}:
        swap: Any = lambda el: rowid if el is items.c.id else None  # noqa: E731
        cond = visitors.replacement_traverse(cond, {}, swap)
        return select(literal_column("1")).select_from(table("items_fts")).where(match, cond)
    return select(literal_column("1")).select_from(
        table("items_fts").join(items, items.c.id == rowid)).where(match, cond)


__all__ = ["FACETS", "SORTS", "AnalysisQueries"]
