"""Queries of the people-in-the-loop part: accounts, audit log, review flags, cases, citizen
reports and debunks (mixed into :class:`Store`). Services in ``vimon.auth``, ``vimon.workflow``
and ``vimon.portal`` decide; this module only reads and writes rows.

Every write that is a decision or a transition appends its audit event in the *same*
transaction (``self._audit(conn, …)``), so an action and its record cannot part ways.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from vimon.store.schema import (
    alerts,
    api_tokens,
    attachments,
    audit_head,
    audit_log,
    case_actions,
    case_comments,
    case_items,
    cases,
    clusters,
    debunks,
    flags,
    items,
    labels,
    report_debunks,
    reports,
    sessions,
    sources,
    users,
    workflow_state,
)

if TYPE_CHECKING:
    from vimon.store.base import Store

GENESIS = "0" * 64
AUDIT_TX = "vimon_audit_tx"  # key in Connection.info: the audit chain head of the open transaction
_USER_COLS = (users.c.id, users.c.username, users.c.display_name, users.c.role, users.c.unit,
              users.c.active, users.c.created_at, users.c.failed_logins, users.c.locked_until,
              users.c.last_login_at)


STATEMENT_CHARS = 8_000_000  # text held by one multi-row insert with row sizes (_insert_values)


def _marks(n: int) -> str:
    """``?, ?, …`` for an IN list of ``n`` values (``_sql`` adapts the marks to the driver)."""
    return ", ".join(["?"] * n)


def _now() -> datetime:
    from vimon.store.base import utcnow

    return utcnow()


def _one(row: Any) -> dict[str, Any] | None:
    return dict(row._mapping) if row is not None else None


class WorkflowQueries:
    # ================================================================== users
    def create_user(self: Store, username: str, role: str, unit: str | None,
                    display_name: str | None, password_hash: str | None, actor: str) -> int:
        with self.write() as conn:
            if conn.execute(select(users.c.id).where(users.c.username == username)).first():
                from vimon.errors import VimonError

                raise VimonError("VM-AUTH-010", f"Tên đăng nhập đã tồn tại / user exists: {username}")
            uid = int(conn.execute(insert(users).values(
                username=username, role=role, unit=unit, display_name=display_name,
                password_hash=password_hash, active=True, created_at=_now(), failed_logins=0,
            )).inserted_primary_key[0])  # type: ignore[index]
            self._audit(conn, actor, "user.create", "user", uid,
                        {"username": username, "role": role, "unit": unit})
        return uid

    def get_user(self: Store, *, user_id: int | None = None, username: str | None = None,
                 with_hash: bool = False) -> dict[str, Any] | None:
        cols = (*_USER_COLS, users.c.password_hash) if with_hash else _USER_COLS
        q = select(*cols)
        q = q.where(users.c.id == user_id) if user_id is not None else q.where(
            users.c.username == username)
        with self.read() as conn:
            return _one(conn.execute(q).first())

    def list_users(self: Store) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(select(*_USER_COLS).order_by(users.c.username))]

    def update_user(self: Store, user_id: int, actor: str, action: str, **fields: Any) -> None:
        with self.write() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(**fields))
            shown = {k: v for k, v in fields.items() if k != "password_hash"}
            if "password_hash" in fields:
                shown["password"] = "changed"
                conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
            if fields.get("active") is False:
                conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
            self._audit(conn, actor, action, "user", user_id, shown)

    def login_failed(self: Store, user_id: int | None, username: str, ip: str,
                     max_failures: int, lock_until: datetime) -> bool:
        """Count a failure; returns True when this failure locks the account."""
        locked = False
        with self.write() as conn:
            if user_id is not None:
                n = conn.execute(select(users.c.failed_logins).where(users.c.id == user_id)).scalar_one()
                n = int(n or 0) + 1
                values: dict[str, Any] = {"failed_logins": n}
                if n >= max_failures:
                    values["locked_until"] = lock_until
                    locked = True
                conn.execute(update(users).where(users.c.id == user_id).values(**values))
            self._audit(conn, username[:200] or "?", "login.locked" if locked else "login.failure",
                        "user", user_id or 0, {"ip": ip})
        return locked

    def login_succeeded(self: Store, user_id: int, username: str, ip: str, session_hash: str,
                        expires_at: datetime) -> None:
        now = _now()
        with self.write() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(
                failed_logins=0, locked_until=None, last_login_at=now))
            conn.execute(insert(sessions).values(id=session_hash, user_id=user_id, created_at=now,
                                                 expires_at=expires_at, ip=ip[:64]))
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            self._audit(conn, username, "login.success", "user", user_id, {"ip": ip})

    def session_user(self: Store, session_hash: str, now: datetime) -> dict[str, Any] | None:
        q = (select(*_USER_COLS).select_from(sessions.join(users, users.c.id == sessions.c.user_id))
             .where(sessions.c.id == session_hash, sessions.c.expires_at > now, users.c.active))
        with self.read() as conn:
            return _one(conn.execute(q).first())

    def end_session(self: Store, session_hash: str, username: str) -> None:
        with self.write() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == session_hash))
            self._audit(conn, username, "logout", "user", username, {})

    def add_api_token(self: Store, user_id: int, name: str, token_hash: str, prefix: str,
                      actor: str) -> int:
        with self.write() as conn:
            tid = int(conn.execute(insert(api_tokens).values(
                user_id=user_id, name=name, token_hash=token_hash, prefix=prefix,
                created_at=_now(), revoked=False)).inserted_primary_key[0])  # type: ignore[index]
            self._audit(conn, actor, "token.create", "user", user_id, {"token": prefix, "name": name})
        return tid

    def token_user(self: Store, token_hash: str) -> dict[str, Any] | None:
        q = (select(*_USER_COLS).select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
             .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked.is_(False),
                    users.c.active))
        with self.read() as conn:
            return _one(conn.execute(q).first())

    def list_api_tokens(self: Store, user_id: int | None = None) -> list[dict[str, Any]]:
        q = select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.prefix, api_tokens.c.created_at,
                   api_tokens.c.revoked, users.c.username).select_from(
            api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        if user_id is not None:
            q = q.where(api_tokens.c.user_id == user_id)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(api_tokens.c.id))]

    def revoke_api_token(self: Store, token_id: int, actor: str) -> None:
        with self.write() as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked=True))
            self._audit(conn, actor, "token.revoke", "token", token_id, {})

    # ================================================================== driver-level SQL
    def _sql(self: Store, conn: Connection, sql: str, params: Sequence[Any] = (),
             many: bool = False) -> Any:
        """Run ``sql`` (``?`` marks) on the DBAPI cursor of ``conn``, inside its transaction,
        past SQLAlchemy's statement and result machinery (≈ 50 µs a statement, measured; the
        public report's write runs about eight). Values go through ``_db`` first."""
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        if many:
            cur.executemany(sql, params)
        else:
            cur.execute(sql, params)
        return cur

    def _insert_values(self: Store, conn: Connection, table: str, cols: Sequence[str],
                       rows: Sequence[Sequence[Any]], suffix: str = "", *,
                       sizes: Sequence[int] | None = None, returning: str = "") -> list[Any]:
        """INSERT many rows of ``cols`` (values as the driver takes them) through the driver;
        the ``returning`` columns of the rows inserted, when asked for.

        On SQLite as multi-row ``VALUES`` statements up to the bound-parameter limit, not
        ``executemany``: that binds and steps row by row, taking the GIL back between rows,
        and when the ingest writer thread does it while the CPU stages run on the other
        thread each row waits up to a GIL switch interval (measured: 2.7 µs a row alone,
        11–3,000 µs beside a busy thread; multi-row ~10× less). The driver copies a
        statement's values while it runs, so with ``sizes`` (characters of text per row) a
        statement also holds at most ``STATEMENT_CHARS``: a batch of long articles is not
        copied whole at once. On PostgreSQL psycopg pipelines ``executemany`` already (and
        ``returning`` is not offered there). ``suffix`` follows the VALUES (``ON CONFLICT
        …``); on SQLite a conflict clause then applies row by row, so repeated keys are fine."""
        if not rows:
            return []
        head = f"INSERT INTO {table} ({', '.join(cols)}) VALUES "
        one = "(" + ", ".join(["?"] * len(cols)) + ")"
        if self.dialect != "sqlite":
            if returning:
                raise NotImplementedError("RETURNING through executemany (PostgreSQL)")
            self._sql(conn, head + one + suffix, rows, many=True)
            return []
        tail = suffix + (f" RETURNING {returning}" if returning else "")
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cap = max(1, 30_000 // len(cols))  # under SQLite's 32,766 bound parameters
        out: list[Any] = []
        start = 0
        while start < len(rows):
            end = min(start + cap, len(rows))
            if sizes is not None:  # fewer rows when their text would pass STATEMENT_CHARS
                stop, end, held = end, start + 1, sizes[start]
                while end < stop and held + sizes[end] <= STATEMENT_CHARS:
                    held += sizes[end]
                    end += 1
            part = rows[start:end]
            start = end
            cur.execute(head + ", ".join([one] * len(part)) + tail, [v for r in part for v in r])
            if returning:
                out += cur.fetchall()
        return out

    def _db(self: Store, v: Any) -> Any:
        """A value as the driver stores it for SQLAlchemy's column types: on SQLite datetimes
        as SQLAlchemy's text form and booleans as 0/1; JSON (dicts, lists) as text on both."""
        if isinstance(v, (dict, list)):
            return json.dumps(v)
        if self.dialect == "sqlite":
            if isinstance(v, datetime):
                return v.isoformat(" ", "microseconds")
            if isinstance(v, bool):
                return int(v)
        return v

    def _insert_row(self: Store, conn: Connection, table: str, row: dict[str, Any]) -> int:
        """INSERT one row through the driver; its new id."""
        cols = list(row)
        sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['?'] * len(cols))})"
               + ("" if self.dialect == "sqlite" else " RETURNING id"))
        cur = self._sql(conn, sql, [self._db(row[c]) for c in cols])
        return int(cur.lastrowid if self.dialect == "sqlite" else cur.fetchone()[0])

    # ================================================================== audit log
    def _audit(self: Store, conn: Connection, actor: str, action: str, object_type: str,
               object_id: Any, detail: dict[str, Any]) -> int:
        """Append one event to the hash chain inside the caller's transaction.

        The chain head is read once per transaction (locked: ``FOR UPDATE`` on PostgreSQL; on
        SQLite a no-op write first takes the database's write lock, so no other process can
        append in between) and written back once at commit by ``Store.write``
        (``flush_audit_head``): a transaction with many events pays for the head once."""
        from vimon.workflow.audit import canonical, chain_hash, timestamp

        # Driver-level SQL: this runs inside every audited write, the public report included.
        tx = conn.info.get(AUDIT_TX)
        head = tx.get("head") if tx is not None else None
        if head is None:
            head = self._read_audit_head(conn)
        row = {"id": int(head[0]) + 1, "ts": timestamp(), "actor": str(actor)[:200],
               "action": action, "object_type": object_type, "object_id": str(object_id)[:120],
               "detail": canonical(detail), "prev_hash": head[1]}
        row["hash"] = chain_hash(row)
        self._sql(
            conn, "INSERT INTO audit_log (id, ts, actor, action, object_type, object_id, detail, "
            f"prev_hash, hash) VALUES ({', '.join(['?'] * 9)})",
            (row["id"], row["ts"], row["actor"], row["action"], row["object_type"],
             row["object_id"], row["detail"], row["prev_hash"], row["hash"]))
        new_head = (int(row["id"]), str(row["hash"]))
        if tx is not None:  # Store.write writes the head once, before it commits
            tx["head"] = new_head
        else:
            self._write_audit_head(conn, new_head)
        return int(row["id"])

    def _read_audit_head(self: Store, conn: Connection) -> tuple[int, str]:
        if self.dialect == "sqlite":
            conn.exec_driver_sql("UPDATE audit_head SET last_id = last_id WHERE id = 1")
        lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
        head = conn.exec_driver_sql(f"SELECT last_id, last_hash FROM audit_head WHERE id = 1{lock}").first()
        if head is None:
            conn.execute(self._insert(audit_head).values(id=1, last_id=0, last_hash=GENESIS)
                         .on_conflict_do_nothing(index_elements=["id"]))
            head = conn.exec_driver_sql(
                f"SELECT last_id, last_hash FROM audit_head WHERE id = 1{lock}").first()
        assert head is not None
        return int(head[0]), str(head[1])

    def _write_audit_head(self: Store, conn: Connection, head: tuple[int, str]) -> None:
        m = "?" if self.dialect == "sqlite" else "%s"
        conn.exec_driver_sql(f"UPDATE audit_head SET last_id = {m}, last_hash = {m} WHERE id = 1",
                             head)

    def flush_audit_head(self: Store, conn: Connection) -> None:
        """Write the chain head this transaction moved (called by ``Store.write``)."""
        tx = conn.info.get(AUDIT_TX)
        if tx is not None and tx.get("head") is not None:
            self._write_audit_head(conn, tx["head"])

    def audit_event(self: Store, actor: str, action: str, object_type: str, object_id: Any,
                    detail: dict[str, Any] | None = None) -> int:
        with self.write() as conn:
            return self._audit(conn, actor, action, object_type, object_id, detail or {})

    def iter_audit(self: Store, batch: int = 5000) -> Iterator[dict[str, Any]]:
        last = 0
        while True:
            with self.read() as conn:
                rows = conn.execute(select(audit_log).where(audit_log.c.id > last)
                                    .order_by(audit_log.c.id).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield dict(r._mapping)
            last = int(rows[-1].id)

    def get_audit_head(self: Store) -> dict[str, Any] | None:
        with self.read() as conn:
            return _one(conn.execute(select(audit_head).where(audit_head.c.id == 1)).first())

    def list_audit(self: Store, *, object_type: str | None = None, object_id: Any = None,
                   limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        q = select(audit_log)
        if object_type:
            q = q.where(audit_log.c.object_type == object_type)
        if object_id is not None:
            q = q.where(audit_log.c.object_id == str(object_id))
        with self.read() as conn:
            rows = conn.execute(q.order_by(audit_log.c.id.desc()).limit(limit).offset(offset))
            return [dict(r._mapping) for r in rows]

    # ================================================================== state (cursors)
    def get_state(self: Store, key: str, default: str = "") -> str:
        with self.read() as conn:
            v = conn.execute(select(workflow_state.c.value).where(workflow_state.c.key == key)).scalar()
        return default if v is None else str(v)

    def _set_state(self: Store, conn: Connection, key: str, value: str) -> None:
        stmt = self._insert(workflow_state).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    # ================================================================== flags (review queue)
    def labels_after(self: Store, after_id: int, tasks: Sequence[str], limit: int = 5000
                     ) -> list[dict[str, Any]]:
        q = (select(labels.c.id, labels.c.item_id, labels.c.task, labels.c.label, labels.c.score,
                    labels.c.scores, labels.c.spans, labels.c.model_version, labels.c.origin)
             .where(labels.c.id > after_id, labels.c.task.in_(list(tasks)))
             .order_by(labels.c.id).limit(limit))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def max_label_id(self: Store) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.coalesce(func.max(labels.c.id), 0))).scalar_one())

    def items_for_matching(self: Store, after_id: int, limit: int = 2000) -> list[dict[str, Any]]:
        q = (select(items.c.id, items.c.folded, items.c.minhash).where(items.c.id > after_id)
             .order_by(items.c.id).limit(limit))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def add_flags(self: Store, rows: Sequence[dict[str, Any]], state: dict[str, str] | None = None
                  ) -> int:
        """Insert flags not already present (same item/report, kind and ref); returns how many."""
        added = 0
        now = _now()
        with self.write() as conn:
            for r in rows:
                exists = conn.execute(select(flags.c.id).where(
                    flags.c.kind == r["kind"], flags.c.ref == r["ref"],
                    flags.c.item_id.is_(None) if r.get("item_id") is None
                    else flags.c.item_id == r["item_id"],
                    flags.c.report_id.is_(None) if r.get("report_id") is None
                    else flags.c.report_id == r["report_id"])).first()
                if exists:
                    continue
                conn.execute(insert(flags).values(
                    item_id=r.get("item_id"), report_id=r.get("report_id"), kind=r["kind"],
                    ref=r["ref"][:200], score=float(r["score"]), detail=r.get("detail"),
                    status="open", created_at=now))
                added += 1
            for k, v in (state or {}).items():
                self._set_state(conn, k, v)
        return added

    def open_flags(self: Store, *, kind: str | None = None, source: str | None = None,
                   limit: int = 5000) -> list[dict[str, Any]]:
        """Open flags with what ordering needs: the item's reach and its cluster's size."""
        j = (flags.outerjoin(items, items.c.id == flags.c.item_id)
             .outerjoin(sources, sources.c.id == items.c.source_id)
             .outerjoin(clusters, clusters.c.id == items.c.cluster_id)
             .outerjoin(reports, reports.c.id == flags.c.report_id))
        q = (select(flags, items.c.title, items.c.kind.label("item_kind"), items.c.url,
                    func.substr(items.c.text_norm, 1, 300).label("snippet"), items.c.metrics,
                    items.c.followers, items.c.published_at, sources.c.key.label("source"),
                    sources.c.followers.label("source_followers"),
                    clusters.c.size.label("cluster_size"), reports.c.ticket,
                    func.substr(reports.c.text, 1, 300).label("report_text"),
                    reports.c.url.label("report_url"), reports.c.case_id.label("report_case"))
             .select_from(j).where(flags.c.status == "open"))
        if kind:
            q = q.where(flags.c.kind == kind)
        if source:
            q = q.where(sources.c.key == source)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(flags.c.id.desc()).limit(limit))]

    def get_flags(self: Store, flag_ids: Sequence[int]) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(flags).where(flags.c.id.in_(list(flag_ids))).order_by(flags.c.id))]

    def item_flags(self: Store, item_id: int) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(flags).where(flags.c.item_id == item_id).order_by(flags.c.id))]

    def decide_flags(self: Store, decisions: Sequence[dict[str, Any]], actor: str) -> int:
        """Close flags with a reviewer's decision; each decision that carries a label is kept as
        a training label (origin ``review``) on the item."""
        now = _now()
        done = 0
        with self.write() as conn:
            for d in decisions:
                res = conn.execute(update(flags).where(flags.c.id == d["flag_id"],
                                                       flags.c.status == "open").values(
                    status=d["status"], decision=d.get("decision"), decided_by=actor,
                    decided_at=now))
                if not res.rowcount:
                    continue
                done += 1
                lab = d.get("label")
                if lab and d.get("item_id"):
                    conn.execute(insert(labels).values(
                        item_id=d["item_id"], task=lab["task"], label=lab["label"], score=1.0,
                        scores=None, spans=lab.get("spans"), explanation=None,
                        model_version=None, origin="review", created_at=now))
                self._audit(conn, actor, f"review.{d['status']}", "flag", d["flag_id"],
                            {"item_id": d.get("item_id"), **(d.get("decision") or {})})
        return done

    # ================================================================== cases
    def create_case(self: Store, *, title: str, actor: str, status: str, priority: str = "normal",
                    unit: str | None = None, item_ids: Iterable[int] = (),
                    due_at: datetime | None = None, summary: str | None = None,
                    conn: Connection | None = None) -> int:
        if conn is None:
            with self.write() as c:
                return self.create_case(title=title, actor=actor, status=status, priority=priority,
                                        unit=unit, item_ids=item_ids, due_at=due_at,
                                        summary=summary, conn=c)
        now = _now()
        cid = self._insert_row(conn, "cases", {
            "title": title[:500], "summary": summary, "status": status, "priority": priority,
            "unit": unit, "created_by": actor, "created_at": now, "updated_at": now,
            "due_at": due_at, "assignee": None, "outcome": None,
        })
        ids = sorted(set(item_ids))
        self._link_items(conn, cid, ids, now)
        self._audit(conn, actor, "case.open", "case", cid,
                    {"status": status, "items": ids, "priority": priority, "unit": unit})
        return cid

    def _link_items(self: Store, conn: Connection, case_id: int, item_ids: Sequence[int],
                    now: datetime) -> list[int]:
        if not item_ids:
            return []
        m = "?" if self.dialect == "sqlite" else "%s"
        have = {int(r[0]) for r in conn.exec_driver_sql(
            f"SELECT item_id FROM case_items WHERE case_id = {m}", (case_id,))}
        new = [i for i in item_ids if i not in have]
        if new:
            conn.execute(insert(case_items), [{"case_id": case_id, "item_id": i, "added_at": now}
                                              for i in new])
        return new

    def add_case_items(self: Store, case_id: int, item_ids: Sequence[int], actor: str) -> list[int]:
        with self.write() as conn:
            new = self._link_items(conn, case_id, sorted(set(item_ids)), _now())
            if new:
                self._audit(conn, actor, "case.items.add", "case", case_id, {"items": new})
        return new

    def get_case(self: Store, case_id: int) -> dict[str, Any] | None:
        with self.read() as conn:
            return _one(conn.execute(select(cases).where(cases.c.id == case_id)).first())

    def list_cases(self: Store, *, status: str | None = None, unit: str | None = None,
                   assignee: str | None = None, limit: int = 50, offset: int = 0
                   ) -> tuple[list[dict[str, Any]], int]:
        n_items = (select(func.count()).where(case_items.c.case_id == cases.c.id)
                   .scalar_subquery().label("n_items"))
        n_reports = (select(func.count()).where(reports.c.case_id == cases.c.id)
                     .scalar_subquery().label("n_reports"))
        q = select(cases, n_items, n_reports)
        if status:
            q = q.where(cases.c.status == status)
        if unit is not None:  # a unit sees its own cases and those of units under it
            q = q.where(or_(cases.c.unit == unit, cases.c.unit.like(unit.replace("%", "") + "/%")))
        if assignee:
            q = q.where(cases.c.assignee == assignee)
        count_q = select(func.count()).select_from(q.subquery())
        with self.read() as conn:
            total = int(conn.execute(count_q).scalar_one())
            rows = conn.execute(q.order_by(cases.c.updated_at.desc(), cases.c.id.desc())
                                .limit(limit).offset(offset))
            return [dict(r._mapping) for r in rows], total

    def update_case(self: Store, case_id: int, actor: str, action: str,
                    expect_status: str | None = None, detail: dict[str, Any] | None = None,
                    **fields: Any) -> bool:
        """Change case fields; with ``expect_status`` only if the case is still in that status
        (two people moving one case at once: the second one is told, not silently applied)."""
        with self.write() as conn:
            q = update(cases).where(cases.c.id == case_id)
            if expect_status is not None:
                q = q.where(cases.c.status == expect_status)
            res = conn.execute(q.values(updated_at=_now(), **fields))
            if not res.rowcount:
                return False
            self._audit(conn, actor, action, "case", case_id, {**_jsonable(fields), **(detail or {})})
        return True

    def case_item_rows(self: Store, case_id: int) -> list[dict[str, Any]]:
        q = (select(items.c.id, items.c.kind, items.c.url, items.c.title, items.c.author,
                    items.c.published_at, items.c.cluster_id, items.c.metrics, items.c.followers,
                    func.substr(items.c.text_norm, 1, 280).label("snippet"),
                    sources.c.key.label("source"), sources.c.name.label("source_name"),
                    sources.c.platform)
             .select_from(case_items.join(items, items.c.id == case_items.c.item_id)
                          .outerjoin(sources, sources.c.id == items.c.source_id))
             .where(case_items.c.case_id == case_id).order_by(items.c.id))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def cases_of_item(self: Store, item_id: int) -> list[dict[str, Any]]:
        q = (select(cases.c.id, cases.c.title, cases.c.status, cases.c.unit)
             .select_from(case_items.join(cases, cases.c.id == case_items.c.case_id))
             .where(case_items.c.item_id == item_id).order_by(cases.c.id.desc()))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def add_comment(self: Store, case_id: int, author: str, body: str) -> int:
        with self.write() as conn:
            cid = int(conn.execute(insert(case_comments).values(
                case_id=case_id, author=author, body=body, created_at=_now()
            )).inserted_primary_key[0])  # type: ignore[index]
            conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=_now()))
            self._audit(conn, author, "case.comment", "case", case_id, {"comment": cid})
        return cid

    def list_comments(self: Store, case_id: int) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(case_comments).where(case_comments.c.case_id == case_id)
                .order_by(case_comments.c.id))]

    def add_attachment(self: Store, *, filename: str, content_type: str, data: bytes,
                       sha256: str, actor: str, case_id: int | None = None,
                       report_id: int | None = None, conn: Connection | None = None) -> int:
        values = {"case_id": case_id, "report_id": report_id, "filename": filename[:255],
                  "content_type": content_type, "size": len(data), "sha256": sha256,
                  "data": data, "uploaded_by": actor, "created_at": _now()}
        if conn is not None:
            return int(conn.execute(insert(attachments).values(**values))
                       .inserted_primary_key[0])  # type: ignore[index]
        with self.write() as c:
            aid = int(c.execute(insert(attachments).values(**values))
                      .inserted_primary_key[0])  # type: ignore[index]
            self._audit(c, actor, "case.attach", "case", case_id or 0,
                        {"attachment": aid, "sha256": sha256, "filename": filename[:255]})
        return aid

    def list_attachments(self: Store, *, case_id: int | None = None,
                         report_ids: Sequence[int] = ()) -> list[dict[str, Any]]:
        cols = [c for c in attachments.c if c.name != "data"]
        conds = []
        if case_id is not None:
            conds.append(attachments.c.case_id == case_id)
        if report_ids:
            conds.append(attachments.c.report_id.in_(list(report_ids)))
        if not conds:
            return []
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(*cols).where(or_(*conds)).order_by(attachments.c.id))]

    def get_attachment(self: Store, attachment_id: int) -> dict[str, Any] | None:
        with self.read() as conn:
            return _one(conn.execute(select(attachments).where(attachments.c.id == attachment_id))
                        .first())

    # ------------------------------------------------------------------ actions
    def add_action(self: Store, case_id: int, kind: str, params: dict[str, Any], actor: str,
                   case_status: tuple[str, str] | None = None) -> int:
        """Propose an outgoing action; optionally move the case ``(from, to)`` in the same step."""
        now = _now()
        with self.write() as conn:
            aid = int(conn.execute(insert(case_actions).values(
                case_id=case_id, kind=kind, params=params, status="proposed", proposed_by=actor,
                proposed_at=now)).inserted_primary_key[0])  # type: ignore[index]
            self._audit(conn, actor, "action.propose", "case", case_id,
                        {"action": aid, "kind": kind, "params": params})
            if case_status:
                self._move(conn, case_id, case_status, actor, now)
        return aid

    def _move(self: Store, conn: Connection, case_id: int, move: tuple[str, str], actor: str,
              now: datetime) -> None:
        res = conn.execute(update(cases).where(cases.c.id == case_id, cases.c.status == move[0])
                           .values(status=move[1], updated_at=now))
        if res.rowcount:
            self._audit(conn, actor, "case.transition", "case", case_id,
                        {"from": move[0], "to": move[1]})

    def decide_action(self: Store, action_id: int, status: str, actor: str, *,
                      due_at: datetime | None = None, outcome: str | None = None,
                      case_status: tuple[str, str] | None = None) -> bool:
        now = _now()
        with self.write() as conn:
            row = conn.execute(select(case_actions).where(case_actions.c.id == action_id)).first()
            if row is None:
                return False
            values: dict[str, Any] = {"status": status}
            if status in ("approved", "rejected"):
                values.update(decided_by=actor, decided_at=now)
            if due_at is not None:
                values["due_at"] = due_at
            if outcome is not None:
                values["outcome"] = outcome
            conn.execute(update(case_actions).where(case_actions.c.id == action_id).values(**values))
            self._audit(conn, actor, f"action.{status}", "case", row.case_id,
                        {"action": action_id, "kind": row.kind, "outcome": outcome})
            if case_status:
                self._move(conn, row.case_id, case_status, actor, now)
        return True

    def list_actions(self: Store, case_id: int) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(case_actions).where(case_actions.c.case_id == case_id)
                .order_by(case_actions.c.id))]

    def get_action(self: Store, action_id: int) -> dict[str, Any] | None:
        with self.read() as conn:
            return _one(conn.execute(select(case_actions).where(case_actions.c.id == action_id))
                        .first())

    def pending_approvals(self: Store, limit: int = 100) -> list[dict[str, Any]]:
        q = (select(case_actions, cases.c.title, cases.c.unit)
             .select_from(case_actions.join(cases, cases.c.id == case_actions.c.case_id))
             .where(case_actions.c.status == "proposed").order_by(case_actions.c.id).limit(limit))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ================================================================== citizen reports
    def report_merge_candidates(self: Store, conn: Connection, *, url_keys: Sequence[str],
                                urls: Sequence[str], band_keys: Sequence[int]
                                ) -> dict[str, Any]:
        """Items and reports a new report may be about: same link, or sharing an LSH band."""
        out: dict[str, Any] = {"items": {}, "reports": {}}
        # Driver-level SQL: the public report endpoint runs these on every submission.
        if urls:
            for r in self._sql(conn,
                    f"SELECT id FROM items WHERE url IN ({_marks(len(urls))}) LIMIT 50", tuple(urls)):
                out["items"][int(r[0])] = ("url", None)
        if url_keys:
            for r in self._sql(conn,
                    f"SELECT id, case_id FROM reports WHERE url_key IN ({_marks(len(url_keys))}) "
                    "ORDER BY id DESC LIMIT 50", tuple(url_keys)):
                out["reports"][int(r[0])] = ("url", r[1], None)
        keys = sorted({int(k) for k in band_keys})[:900]
        if keys:
            for r in self._sql(conn,
                    "SELECT id, minhash FROM items WHERE id IN (SELECT item_id FROM item_bands "
                    f"WHERE band_key IN ({_marks(len(keys))})) LIMIT 200", tuple(keys)):
                out["items"].setdefault(int(r[0]), ("text", r[1]))
            for r in self._sql(conn,
                    "SELECT id, case_id, minhash FROM reports WHERE id IN (SELECT report_id FROM "
                    f"report_bands WHERE band_key IN ({_marks(len(keys))})) ORDER BY id DESC LIMIT 200",
                    tuple(keys)):
                out["reports"].setdefault(int(r[0]), ("text", r[1], r[2]))
        return out

    def case_ids_of_items(self: Store, conn: Connection, item_ids: Sequence[int]) -> list[int]:
        if not item_ids:
            return []
        ids = [int(i) for i in item_ids]
        return [int(r[0]) for r in self._sql(
            conn, f"SELECT case_id FROM case_items WHERE item_id IN ({_marks(len(ids))})"
            " ORDER BY case_id DESC", ids)]

    def insert_report(self: Store, conn: Connection, row: dict[str, Any],
                      band_keys: Sequence[int]) -> int:
        rid = self._insert_row(conn, "reports", {"created_at": _now(), "contact_purged_at": None,
                                                 **row})
        if band_keys:
            self._sql(conn, "INSERT INTO report_bands (band_key, report_id) VALUES (?, ?)",
                      [(int(k), rid) for k in band_keys], many=True)
        return rid

    def link_case_items(self: Store, conn: Connection, case_id: int, item_ids: Sequence[int]
                        ) -> list[int]:
        return self._link_items(conn, case_id, sorted(set(item_ids)), _now())

    def touch_case(self: Store, conn: Connection, case_id: int) -> None:
        self._sql(conn, "UPDATE cases SET updated_at = ? WHERE id = ?",
                  (self._db(_now()), case_id))

    def add_flag_in(self: Store, conn: Connection, row: dict[str, Any]) -> None:
        self._insert_row(conn, "flags", {"item_id": None, "report_id": None, "status": "open",
                                         "created_at": _now(), **row})

    def get_report(self: Store, *, ticket: str | None = None, report_id: int | None = None
                   ) -> dict[str, Any] | None:
        q = select(reports)
        q = q.where(reports.c.ticket == ticket) if ticket is not None else q.where(
            reports.c.id == report_id)
        with self.read() as conn:
            return _one(conn.execute(q).first())

    def reports_of_case(self: Store, case_id: int) -> list[dict[str, Any]]:
        cols = [c for c in reports.c if c.name not in ("contact_enc", "minhash", "folded")]
        with self.read() as conn:
            return [dict(r._mapping) | {"has_contact": bool(r.has_contact)} for r in conn.execute(
                select(*cols, reports.c.contact_enc.is_not(None).label("has_contact"))
                .where(reports.c.case_id == case_id).order_by(reports.c.id))]

    def report_contact(self: Store, report_id: int, actor: str) -> str | None:
        """The encrypted contact of a report; reading it is an audited event."""
        with self.write() as conn:
            enc = conn.execute(select(reports.c.contact_enc).where(reports.c.id == report_id)).scalar()
            self._audit(conn, actor, "personal_data.view", "report", report_id,
                        {"field": "contact", "present": enc is not None})
        return enc

    def purge_contacts(self: Store, before: datetime, actor: str) -> int:
        with self.write() as conn:
            ids = [int(x) for x in conn.execute(select(reports.c.id).where(
                reports.c.contact_enc.is_not(None), reports.c.created_at < before)).scalars()]
            if ids:
                conn.execute(update(reports).where(reports.c.id.in_(ids)).values(
                    contact_enc=None, contact_purged_at=_now()))
            self._audit(conn, actor, "personal_data.purge", "report", "*",
                        {"count": len(ids), "before": before.isoformat()})
        return len(ids)

    def activity_counts(self: Store, since: datetime, until: datetime,
                        final_statuses: Sequence[str]) -> dict[str, Any]:
        """What people did in ``[since, until)`` (naive UTC), for the period reports: cases
        opened and closed (a final status reached then), actions proposed and decided (by
        outcome), flags raised and decided (by outcome), citizen reports received (by
        category), debunks published, alerts raised; and the cases open now."""

        def between(col: Any) -> Any:
            return (col >= since) & (col < until)

        def grouped(conn: Connection, key: Any, table: Any, when: Any) -> dict[str, int]:
            return {str(r[0]): int(r[1]) for r in conn.execute(
                select(key, func.count()).select_from(table).where(between(when)).group_by(key))}

        def count(conn: Connection, table: Any, *where: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(table).where(*where))
                       .scalar_one())

        with self.read() as conn:
            return {
                "cases_opened": count(conn, cases, between(cases.c.created_at)),
                "cases_closed": {k: v for k, v in grouped(conn, cases.c.status, cases,
                                                          cases.c.updated_at).items()
                                 if k in final_statuses},
                "cases_open_now": count(conn, cases, cases.c.status.not_in(list(final_statuses))),
                "actions_proposed": count(conn, case_actions, between(case_actions.c.proposed_at)),
                "actions_decided": grouped(conn, case_actions.c.status, case_actions,
                                           case_actions.c.decided_at),
                "flags_raised": grouped(conn, flags.c.kind, flags, flags.c.created_at),
                "flags_decided": grouped(conn, flags.c.status, flags, flags.c.decided_at),
                "reports_received": grouped(conn, reports.c.category, reports,
                                            reports.c.created_at),
                "debunks_published": count(conn, debunks, between(debunks.c.published_at)),
                "alerts_raised": count(conn, alerts, between(alerts.c.created_at)),
            }

    def count_reports(self: Store) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())

    # ================================================================== debunks
    def add_debunk(self: Store, row: dict[str, Any], actor: str) -> int:
        with self.write() as conn:
            did = int(conn.execute(insert(debunks).values(published_by=actor, published_at=_now(),
                                                         **row)).inserted_primary_key[0])  # type: ignore[index]
            self._audit(conn, actor, "debunk.publish", "debunk", did,
                        {"slug": row["slug"], "verdict": row["verdict"], "case": row.get("case_id")})
            if row.get("case_id"):
                rids = conn.execute(select(reports.c.id).where(reports.c.case_id == row["case_id"]))
                links = [{"report_id": int(r), "debunk_id": did, "score": 1.0} for r in rids.scalars()]
                if links:
                    conn.execute(insert(report_debunks), links)
        return did

    def list_debunks(self: Store, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(debunks).order_by(debunks.c.published_at.desc(), debunks.c.id.desc())
                .limit(limit).offset(offset))]

    def get_debunk(self: Store, *, slug: str | None = None, debunk_id: int | None = None
                   ) -> dict[str, Any] | None:
        q = select(debunks)
        q = q.where(debunks.c.slug == slug) if slug is not None else q.where(debunks.c.id == debunk_id)
        with self.read() as conn:
            return _one(conn.execute(q).first())

    def slug_taken(self: Store, slug: str) -> bool:
        with self.read() as conn:
            return conn.execute(select(debunks.c.id).where(debunks.c.slug == slug)).first() is not None

    def debunks_of_report(self: Store, report_id: int, case_id: int | None) -> list[dict[str, Any]]:
        conds: list[Any] = [debunks.c.id.in_(select(report_debunks.c.debunk_id)
                                  .where(report_debunks.c.report_id == report_id))]
        if case_id is not None:
            conds.append(debunks.c.case_id == case_id)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(debunks).where(or_(*conds)).order_by(debunks.c.id))]

    def debunks_of_case(self: Store, case_id: int) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(debunks).where(debunks.c.case_id == case_id).order_by(debunks.c.id))]

    def link_reports_to_debunk(self: Store, debunk_id: int, scored: dict[int, float]) -> None:
        if not scored:
            return
        with self.write() as conn:
            have = set(conn.execute(select(report_debunks.c.report_id)
                                    .where(report_debunks.c.debunk_id == debunk_id)).scalars())
            rows = [{"report_id": r, "debunk_id": debunk_id, "score": s}
                    for r, s in scored.items() if r not in have]
            if rows:
                conn.execute(insert(report_debunks), rows)

    def reports_for_matching(self: Store, limit: int = 20000) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                select(reports.c.id, reports.c.folded).where(reports.c.folded.is_not(None))
                .order_by(reports.c.id.desc()).limit(limit))]

    def unit_of_case_for_item(self: Store, item_id: int) -> list[str | None]:
        q = (select(cases.c.unit).select_from(case_items.join(cases, cases.c.id == case_items.c.case_id))
             .where(case_items.c.item_id == item_id))
        with self.read() as conn:
            return list(conn.execute(q).scalars())


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in fields.items()}


__all__ = ["WorkflowQueries"]
