"""The Store: every query of the system lives here or in its sibling modules.

One small class wraps the engine. Reads run concurrently; writes go through one writer
(a process-wide lock on SQLite, where the file allows only one writer at a time anyway).
Everything else in vimon talks to the database only through these methods.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, literal_column, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from vimon.records import SCHEMA_VERSION, Item, Rejection
from vimon.store import engine as eng
from vimon.store.analysis import AnalysisQueries
from vimon.store.collect import CollectQueries
from vimon.store.outreach import OutreachQueries
from vimon.store.plans import PlanQueries
from vimon.store.queries import ItemQueries
from vimon.store.schema import (
    clusters,
    ingest_runs,
    items,
    labels,
    quarantine,
    sources,
)
from vimon.store.workflow import AUDIT_TX, WorkflowQueries, _marks

BAND_FANOUT = 32  # candidates read per LSH band key (see band_candidates)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


class Store(ItemQueries, CollectQueries, WorkflowQueries, AnalysisQueries, OutreachQueries,
            PlanQueries):
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = eng.make_engine(url)
        self.dialect = self.engine.dialect.name
        # SQLite: every write on one connection of its own. In WAL mode a connection drops
        # its whole page cache when another connection has committed since its last read;
        # with writes taking whichever pooled connection is free, the writer began each
        # batch cold and re-read the random-keyed indexes (band keys, dedupe keys) from the
        # file. Its own connection keeps them warm across batches.
        self._write_engine = self.engine
        if self.dialect == "sqlite" and ":memory:" not in url:
            self._write_engine = eng.make_engine(url, single=True)
        self._write_lock = threading.Lock()
        self._tx = threading.local()  # .conn: this thread's open write transaction, if any
        self._source_ids: dict[str, int] = {}

    # ------------------------------------------------------------------ lifecycle
    def migrate(self) -> str:
        return eng.migrate(self.engine)

    def revision(self) -> str | None:
        return eng.current_revision(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        if self._write_engine is not self.engine:
            self._write_engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, serialised within the process.

        Nested in an open one of the same thread, it joins it: the ingest writer runs a
        batch's store and analysis steps as one transaction (one commit, and pages such as
        the clusters' written to the log once) by opening it around them."""
        joined = getattr(self._tx, "conn", None)
        if joined is not None:
            yield joined
            return
        with self._write_lock, self._write_engine.begin() as conn:
            conn.info[AUDIT_TX] = {}  # the audit chain head, read on the first event
            self._tx.conn = conn
            try:
                yield conn
                self.flush_audit_head(conn)
            except BaseException:
                self._source_ids.clear()  # ids of sources created here are rolled back too
                raise
            finally:
                self._tx.conn = None
                conn.info.pop(AUDIT_TX, None)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; inside this thread's write transaction, that one (so
        the reads see what the transaction wrote)."""
        joined = getattr(self._tx, "conn", None)
        if joined is not None:
            yield joined
            return
        with self.engine.connect() as conn:
            yield conn

    def _insert(self, table: Any) -> Any:
        return (sqlite.insert if self.dialect == "sqlite" else postgresql.insert)(table)

    # ------------------------------------------------------------------ sources
    def upsert_source(self, data: dict[str, Any]) -> int:
        """Create a source or update the fields given; returns its id."""
        key = data["key"]
        fields = {k: v for k, v in data.items() if k in sources.c and k not in ("id", "key")}
        with self.write() as conn:
            row = conn.execute(select(sources.c.id).where(sources.c.key == key)).first()
            if row:
                if fields:
                    conn.execute(update(sources).where(sources.c.id == row.id).values(**fields))
                sid = int(row.id)
            else:
                values = {"kind": "other", "official": False, "active": True, **fields}
                sid = int(
                    conn.execute(
                        insert(sources).values(key=key, created_at=utcnow(), **values)
                    ).inserted_primary_key[0]  # type: ignore[index]
                )
        self._source_ids[key] = sid
        return sid

    def ensure_sources(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        """Ids for source keys, creating unknown sources (kind 'other') on first sight."""
        wanted = {k for k in keys if k and k not in self._source_ids}
        if wanted:
            rows = conn.execute(
                select(sources.c.key, sources.c.id).where(sources.c.key.in_(wanted))
            ).all()
            for r in rows:
                self._source_ids[r.key] = int(r.id)
            missing = wanted - {r.key for r in rows}
            if missing:
                now = utcnow()
                conn.execute(
                    self._insert(sources).on_conflict_do_nothing(index_elements=["key"]),
                    [
                        {"key": k, "name": k, "kind": "other", "official": False,
                         "active": True, "created_at": now}
                        for k in sorted(missing)
                    ],
                )
                for r in conn.execute(
                    select(sources.c.key, sources.c.id).where(sources.c.key.in_(missing))
                ):
                    self._source_ids[r.key] = int(r.id)
        return self._source_ids

    def list_sources(self) -> list[dict[str, Any]]:
        counts = (
            select(items.c.source_id, func.count().label("n"))
            .group_by(items.c.source_id)
            .subquery()
        )
        q = (
            select(sources, func.coalesce(counts.c.n, 0).label("items"))
            .select_from(sources.outerjoin(counts, counts.c.source_id == sources.c.id))
            .order_by(sources.c.key)
        )
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def get_source(self, key: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(sources).where(sources.c.key == key)).first()
        return dict(row._mapping) if row else None

    # ------------------------------------------------------------------ dedupe reads
    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.read() as conn:  # driver-level, as band_candidates: one lookup per item
            for part in _chunks(sorted(set(keys)), 900):
                found.update(r[0] for r in self._sql(
                    conn, f"SELECT dedupe_key FROM items WHERE dedupe_key IN ({_marks(len(part))})",
                    part))
        return found

    def band_candidates(self, keys: Sequence[int]) -> list[tuple[int, int, str | None, bytes | None]]:
        """(band_key, item_id, cluster_id, minhash) of stored items sharing any LSH band."""
        out: list[tuple[int, int, str | None, bytes | None]] = []
        if not keys:
            return out
        pairs: list[tuple[int, int]] = []
        mark = "?" if self.dialect == "sqlite" else "%s"
        # Driver-level SQL: these IN lists are long and hot; compiling them through the
        # expression layer costs more than the lookups themselves.
        with self.read() as conn:
            for part in _chunks(sorted(set(keys)), 900):
                # At most BAND_FANOUT items per band, the most recent: a band shared by
                # hundreds of items is a stock phrase, not a story, and reading them all
                # made lookups grow with the table (measured: 593 µs/item at 60k posts).
                sql = ("SELECT band_key, item_id FROM (SELECT band_key, item_id, ROW_NUMBER() "
                       "OVER (PARTITION BY band_key ORDER BY item_id DESC) AS n FROM item_bands "
                       "WHERE band_key IN (" + ",".join([mark] * len(part)) + ")) AS b "
                       f"WHERE n <= {BAND_FANOUT}")
                pairs.extend(conn.exec_driver_sql(sql, tuple(part)).all())
            info: dict[int, tuple[str | None, bytes | None]] = {}
            for part in _chunks(sorted({p[1] for p in pairs}), 900):
                sql = ("SELECT item_id, cluster_id, minhash FROM item_sigs WHERE item_id IN ("
                       + ",".join([mark] * len(part)) + ")")
                info.update({int(r[0]): (r[1], r[2]) for r in conn.exec_driver_sql(sql, tuple(part))})
        for key, iid in pairs:
            cid, mh = info.get(iid, (None, None))
            out.append((int(key), int(iid), cid, bytes(mh) if mh is not None else None))
        return out

    # ------------------------------------------------------------------ batch write
    def save_batch(self, batch: Sequence[Item], rejections: Sequence[Rejection] = ()) -> int:
        """Store new items with their bands, index rows, labels and cluster counts, and
        the rejections, in one transaction. Sets ``item.id`` on the items stored; an item
        whose dedupe key a concurrent writer stored first keeps ``id = None``."""
        todo = [it for it in batch if not it.duplicate]
        now = utcnow()
        with self.write() as conn:
            if rejections:
                self._add_quarantine(conn, rejections, now)
            if not todo:
                return 0
            sids = self.ensure_sources(conn, {it.source for it in todo if it.source})
            rows = [self._item_row(it, sids, now) for it in todo]
            # Clusters first: items reference them.
            self._bump_clusters(conn, todo, now)
            ids = self._insert_items(conn, rows)
            stored: list[Item] = []
            raced: list[Item] = []
            for it in todo:
                iid = ids.get(it.dedupe_key)
                if iid is None:
                    raced.append(it)
                else:
                    it.id = iid
                    stored.append(it)
            if raced:
                self._unbump_clusters(conn, raced)
            # Driver-level multi-row inserts for these many tiny rows (see _insert_values).
            self._insert_values(conn, "item_sigs", ("item_id", "cluster_id", "minhash"),
                                [(it.id, it.cluster_id, it.minhash) for it in stored if it.minhash])
            self._insert_values(conn, "item_bands", ("band_key", "item_id"),
                                [(k, it.id) for it in stored for k in it.band_keys],
                                " ON CONFLICT DO NOTHING")
            label_rows = [
                {
                    "item_id": it.id, "task": lb.task, "label": lb.label, "score": lb.score,
                    "scores": lb.scores, "spans": lb.spans, "explanation": lb.explanation,
                    "model_version": lb.model_version, "origin": lb.origin, "created_at": now,
                }
                for it in stored
                for lb in it.labels
            ]
            if label_rows:
                conn.execute(insert(labels), label_rows)
            if self.dialect == "sqlite":
                self._insert_values(conn, "items_fts", ("rowid", "folded"),
                                    [(it.id, it.folded) for it in stored],
                                    sizes=[len(it.folded) for it in stored])
        return len(stored)

    def _insert_items(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert item rows, skipping dedupe keys already stored; {dedupe key: new id}."""
        ids: dict[str, int] = {}
        if self.dialect != "sqlite":
            stmt = (self._insert(items).on_conflict_do_nothing(index_elements=["dedupe_key"])
                    .returning(items.c.id, items.c.dedupe_key))
            for part in _chunks(rows, 500):
                for r in conn.execute(stmt, list(part)):
                    ids[r.dedupe_key] = int(r.id)
            return ids
        # SQLite: multi-row VALUES … RETURNING on the driver (see _insert_values), with the
        # values in the form SQLAlchemy's column types write (JSON text, datetime text).
        cols = list(rows[0])
        db = self._db
        json_cols = {"metrics", "extra"}
        values = [tuple(json.dumps(r[c]) if c in json_cols else db(r[c]) for c in cols)
                  for r in rows]
        got = self._insert_values(
            conn, "items", cols, values, " ON CONFLICT (dedupe_key) DO NOTHING",
            sizes=[len(r["text"]) + len(r["text_norm"]) + len(r["folded"]) for r in rows],
            returning="id, dedupe_key")
        return {key: int(iid) for iid, key in got}

    def _item_row(self, it: Item, sids: dict[str, int], now: datetime) -> dict[str, Any]:
        return {
            "dedupe_key": it.dedupe_key,
            "source_id": sids.get(it.source) if it.source else None,
            "external_id": it.external_id,
            "kind": it.kind,
            "url": it.url,
            "title": it.title,
            "author": it.author,
            "text": it.text,
            "text_norm": it.text_norm,
            "folded": it.folded,
            "content_hash": it.content_hash,
            "minhash": it.minhash,
            "cluster_id": it.cluster_id,
            "published_at": it.published_at,
            "collected_at": now,
            "parent_id": it.parent_id,
            "lang": it.lang,
            "metrics": it.metrics,
            "followers": it.followers,
            "extra": it.extra,
            "schema_version": SCHEMA_VERSION,
        }

    def _cluster_deltas(self, batch: Sequence[Item]) -> dict[str, dict[str, Any]]:
        deltas: dict[str, dict[str, Any]] = {}
        for it in batch:
            if not it.cluster_id:
                continue
            when = it.published_at
            d = deltas.setdefault(
                it.cluster_id,
                {"id": it.cluster_id, "title": it.title or it.text_norm[:160], "size": 0,
                 "first_seen": when, "last_seen": when},
            )
            d["size"] += 1
            if when and (d["first_seen"] is None or when < d["first_seen"]):
                d["first_seen"] = when
            if when and (d["last_seen"] is None or when > d["last_seen"]):
                d["last_seen"] = when
        return deltas

    def _bump_clusters(self, conn: Connection, batch: Sequence[Item], now: datetime) -> None:
        deltas = self._cluster_deltas(batch)
        if not deltas:
            return
        # Driver-level upsert: one row per new story, so as many rows as items on a feed of
        # distinct posts; the expression layer's per-row parameter handling cost ~100 µs each.
        lo, hi = ("min", "max") if self.dialect == "sqlite" else ("least", "greatest")
        db = self._db
        self._insert_values(
            conn, "clusters", ("id", "title", "size", "sources", "first_seen", "last_seen"),
            [(d["id"], d["title"], d["size"], 1, db(d["first_seen"] or now), db(d["last_seen"] or now))
             for d in deltas.values()],
            " ON CONFLICT (id) DO UPDATE SET size = clusters.size + excluded.size, first_seen = "
            f"coalesce({lo}(clusters.first_seen, excluded.first_seen), clusters.first_seen, "
            f"excluded.first_seen), last_seen = coalesce({hi}(clusters.last_seen, "
            "excluded.last_seen), clusters.last_seen, excluded.last_seen)")

    def _unbump_clusters(self, conn: Connection, dropped: Sequence[Item]) -> None:
        for cid, d in self._cluster_deltas(dropped).items():
            conn.execute(
                update(clusters).where(clusters.c.id == cid).values(size=clusters.c.size - d["size"])
            )

    def refresh_cluster_sources(self, cluster_ids: Iterable[str]) -> None:
        """Recount distinct sources of those given clusters that have more than one item."""
        ids = sorted(set(cluster_ids))
        if not ids:
            return
        inner = items.alias("m")
        count = (
            select(func.count(func.distinct(inner.c.source_id)))
            .where(inner.c.cluster_id == clusters.c.id)
            .scalar_subquery()
        )
        with self.write() as conn:
            for part in _chunks(ids, 900):
                conn.execute(
                    update(clusters)
                    .where(clusters.c.id.in_(part), clusters.c.size > 1)
                    .values(sources=count)
                )

    # ------------------------------------------------------------------ quarantine
    def _add_quarantine(self, conn: Connection, rejections: Sequence[Rejection], now: datetime) -> None:
        from vimon.store.quarantine import quarantine_rows

        conn.execute(insert(quarantine), quarantine_rows(rejections, now))

    def add_quarantine(self, rejections: Sequence[Rejection]) -> None:
        if rejections:
            with self.write() as conn:
                self._add_quarantine(conn, rejections, utcnow())

    def list_quarantine(self, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        with self.read() as conn:
            total = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
            rows = conn.execute(
                select(quarantine).order_by(quarantine.c.id.desc()).limit(limit).offset(offset)
            ).all()
        return [dict(r._mapping) for r in rows], int(total)

    def quarantine_reasons(self) -> dict[str, int]:
        with self.read() as conn:
            q = select(quarantine.c.reason_code, func.count()).group_by(quarantine.c.reason_code)
            return {code: int(n) for code, n in conn.execute(q)}

    # ------------------------------------------------------------------ runs
    def start_run(self, origin: str) -> int:
        with self.write() as conn:
            res = conn.execute(
                insert(ingest_runs).values(origin=origin[:500], started_at=utcnow(), new=0,
                                           duplicate=0, rejected=0)
            )
            return int(res.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(self, run_id: int, new: int, duplicate: int, rejected: int) -> None:
        with self.write() as conn:
            conn.execute(
                update(ingest_runs).where(ingest_runs.c.id == run_id).values(
                    finished_at=utcnow(), new=new, duplicate=duplicate, rejected=rejected)
            )

    def list_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute(select(ingest_runs).order_by(ingest_runs.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    # ------------------------------------------------------------------ helpers for queries
    def local_day(self, col: Any) -> Any:
        """Calendar day in Asia/Ho_Chi_Minh of a naive-UTC column, as 'YYYY-MM-DD' text."""
        if self.dialect == "sqlite":
            return func.date(col, "+7 hours")
        return func.to_char(col + literal_column("interval '7 hours'"), "YYYY-MM-DD")

    def ping(self) -> bool:
        with self.read() as conn:
            return conn.execute(text("SELECT 1")).scalar_one() == 1


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default create or migrate) the configured database."""
    from vimon.settings import get_settings

    store = Store(url or get_settings().db_url)
    if migrate:
        store.migrate()
    return store


__all__ = ["Store", "open_store", "utcnow"]
