"""Read queries over items, clusters and labels (mixed into :class:`Store`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, literal_column, select

from vimon.store.schema import clusters, items, labels, sources

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection

# Columns a list view needs (no full text, no signatures).
_LIST_COLS = (
    items.c.id,
    items.c.kind,
    items.c.url,
    items.c.title,
    items.c.author,
    items.c.published_at,
    items.c.collected_at,
    items.c.cluster_id,
    items.c.external_id,
    items.c.metrics,
    items.c.followers,
    func.substr(items.c.text_norm, 1, 280).label("snippet"),
    sources.c.key.label("source"),
    sources.c.name.label("source_name"),
    sources.c.kind.label("source_kind"),
)


class ItemQueries:
    """Read queries; mixed into Store, which provides these members."""

    dialect: str

    if TYPE_CHECKING:

        def read(self) -> AbstractContextManager[Connection]: ...

        def local_day(self, col: Any) -> Any: ...

    def _text_filter(self, q: Select[Any], query: Any) -> Select[Any]:
        """Apply the query language (``vimon.store.querylang``): a string, or a parsed
        ``Query`` (which carries the exact-diacritics flag). Bad syntax raises
        ``QuerySyntaxError`` with the position."""
        from vimon.store.querylang import Query, compile_where, parse_lenient

        # A plain string is read leniently (a syntax error falls back to its words): the
        # strict surfaces (search page, CLI, /api/search) parse first and pass a Query.
        parsed = query if isinstance(query, Query) else parse_lenient(query)
        cond = compile_where(parsed, self.dialect)
        return q if cond is None else q.where(cond)

    def _filtered(
        self,
        q: Select[Any],
        *,
        source: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        query: str | None = None,
        cluster: str | None = None,
    ) -> Select[Any]:
        if source:
            q = q.where(sources.c.key == source)
        if kind:
            q = q.where(items.c.kind == kind)
        if since:
            q = q.where(items.c.published_at >= since)
        if until:
            q = q.where(items.c.published_at < until)
        if cluster:
            q = q.where(items.c.cluster_id == cluster)
        if query:
            q = self._text_filter(q, query)
        return q

    def list_items(
        self, *, limit: int = 20, offset: int = 0, **filters: Any
    ) -> tuple[list[dict[str, Any]], int]:
        base = select(*_LIST_COLS).select_from(
            items.outerjoin(sources, sources.c.id == items.c.source_id)
        )
        q = self._filtered(base, **filters)
        order = (items.c.published_at.desc().nulls_last(), items.c.id.desc())
        count_q = select(func.count()).select_from(q.order_by(None).subquery())
        with self.read() as conn:
            total = int(conn.execute(count_q).scalar_one())
            rows = conn.execute(q.order_by(*order).limit(limit).offset(offset)).all()
        return [dict(r._mapping) for r in rows], total

    def count_items(self, **filters: Any) -> int:
        q = self._filtered(
            select(items.c.id).select_from(items.outerjoin(sources, sources.c.id == items.c.source_id)),
            **filters,
        )
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        rows, _ = self.list_items(query=query, limit=limit)
        return rows

    def get_item(self, item_id: int) -> dict[str, Any] | None:
        if not 0 < item_id < 2**63:  # ids are BIGINT; anything else cannot exist
            return None
        q = (
            select(
                items.c.id, items.c.kind, items.c.url, items.c.title, items.c.author,
                items.c.text, items.c.text_norm, items.c.content_hash, items.c.cluster_id,
                items.c.published_at, items.c.collected_at, items.c.parent_id,
                items.c.external_id, items.c.lang, items.c.metrics, items.c.followers,
                items.c.extra, items.c.schema_version,
                sources.c.key.label("source"), sources.c.name.label("source_name"),
                sources.c.kind.label("source_kind"),
            )
            .select_from(items.outerjoin(sources, sources.c.id == items.c.source_id))
            .where(items.c.id == item_id)
        )
        with self.read() as conn:
            row = conn.execute(q).first()
        return dict(row._mapping) if row else None

    def item_labels(self, item_id: int) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute(
                select(labels).where(labels.c.item_id == item_id).order_by(labels.c.task)
            )
            return [dict(r._mapping) for r in rows]

    def cluster_members(self, cluster_id: str, limit: int = 100) -> list[dict[str, Any]]:
        rows, _ = self.list_items(cluster=cluster_id, limit=limit)
        return rows

    def get_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(clusters).where(clusters.c.id == cluster_id)).first()
        return dict(row._mapping) if row else None

    def stats(self, days: int = 30) -> dict[str, Any]:
        """Counts for the dashboard: totals, by source, by kind, by local day."""
        day = self.local_day(items.c.published_at)
        with self.read() as conn:
            total = int(conn.execute(select(func.count()).select_from(items)).scalar_one())
            n_clusters = int(
                conn.execute(select(func.count()).select_from(clusters).where(clusters.c.size > 1))
                .scalar_one()
            )
            in_clusters = int(
                conn.execute(
                    select(func.coalesce(func.sum(clusters.c.size), 0)).where(clusters.c.size > 1)
                ).scalar_one()
            )
            by_source = [
                {"source": r[0] or "—", "name": r[1] or r[0] or "—", "kind": r[2], "count": int(r[3])}
                for r in conn.execute(
                    select(sources.c.key, sources.c.name, sources.c.kind, func.count())
                    .select_from(items.outerjoin(sources, sources.c.id == items.c.source_id))
                    .group_by(sources.c.key, sources.c.name, sources.c.kind)
                    .order_by(func.count().desc())
                )
            ]
            by_kind = {
                r[0]: int(r[1])
                for r in conn.execute(select(items.c.kind, func.count()).group_by(items.c.kind))
            }
            by_day = [
                {"day": r[0], "count": int(r[1])}
                for r in conn.execute(
                    select(day.label("d"), func.count())
                    .where(items.c.published_at.is_not(None))
                    .group_by(literal_column("d"))
                    .order_by(literal_column("d").desc())
                    .limit(days)
                )
            ][::-1]
            n_labels = {
                f"{r[0]}:{r[1]}": int(r[2])
                for r in conn.execute(
                    select(labels.c.task, labels.c.label, func.count()).group_by(
                        labels.c.task, labels.c.label
                    )
                )
            }
        return {
            "items": total,
            "clusters_multi": n_clusters,
            "items_in_clusters": in_clusters,
            "by_source": by_source,
            "by_kind": by_kind,
            "by_day": by_day,
            "labels": n_labels,
        }
