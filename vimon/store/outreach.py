"""Queries of the outreach side (mixed into :class:`Store`): impersonation flags, aggregator
compliance findings, partner signals and agreements, campaigns and the spread of official
items. Services in ``vimon.detect`` and ``vimon.analysis`` call these; no SQL lives there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from vimon.store.schema import (
    campaign_items,
    campaigns,
    clusters,
    compliance_findings,
    impersonation_flags,
    items,
    labels,
    partner_agreements,
    sources,
)

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection

_ITEM_COLS = (
    items.c.id, items.c.source_id, items.c.kind, items.c.url, items.c.title, items.c.author,
    items.c.text, items.c.published_at, items.c.collected_at, items.c.cluster_id,
    items.c.metrics, items.c.followers, items.c.extra, sources.c.key.label("source"),
    sources.c.name.label("source_name"), sources.c.kind.label("source_kind"),
    sources.c.official.label("source_official"), sources.c.followers.label("source_followers"),
    sources.c.partner.label("source_partner"),
)


def _now() -> datetime:
    from vimon.store.base import utcnow

    return utcnow()


def _chunks(seq: Sequence[Any], n: int = 900) -> list[Sequence[Any]]:
    return [seq[i:i + n] for i in range(0, len(seq), n)]


class OutreachQueries:
    """Mixed into Store, which provides these members."""

    dialect: str

    if TYPE_CHECKING:
        def read(self) -> AbstractContextManager[Connection]: ...

        def write(self) -> AbstractContextManager[Connection]: ...

        def audit_event(self, actor: str, action: str, object_type: str, object_id: Any,
                        detail: dict[str, Any] | None = None) -> int: ...

    def _item_select(self) -> Any:
        return select(*_ITEM_COLS).select_from(
            items.outerjoin(sources, sources.c.id == items.c.source_id))

    # ------------------------------------------------------------------ subjects to check
    def outreach_sources(self) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(select(sources).order_by(sources.c.key))]

    def author_names(self, limit: int = 20000) -> list[dict[str, Any]]:
        """Distinct authors with their newest item and its source (for impersonation checks)."""
        q = (select(items.c.author, func.count().label("n"), func.max(items.c.id).label("item_id"))
             .where(items.c.author.is_not(None)).group_by(items.c.author).limit(limit))
        with self.read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
            ids = [r["item_id"] for r in rows]
            src: dict[int, dict[str, Any]] = {}
            for part in _chunks(ids):
                for r in conn.execute(select(items.c.id, sources.c.id.label("sid"),
                                             sources.c.key, sources.c.name)
                                      .select_from(items.join(sources, sources.c.id == items.c.source_id))
                                      .where(items.c.id.in_(part))):
                    src[r.id] = {"source_id": r.sid, "source": r.key, "source_name": r.name}
        for row in rows:
            row.update(src.get(row["item_id"], {"source_id": None, "source": None, "source_name": None}))
        return rows

    def latest_item_of_source(self, source_id: int) -> int | None:
        with self.read() as conn:
            return conn.execute(select(func.max(items.c.id)).where(items.c.source_id == source_id)
                                ).scalar()

    # ------------------------------------------------------------------ impersonation
    def save_impersonation_flags(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert new flags; refresh the evidence of open ones; never reopen a decided one."""
        added = 0
        now = _now()
        with self.write() as conn:
            for r in rows:
                old = conn.execute(select(impersonation_flags.c.id, impersonation_flags.c.status)
                                   .where(impersonation_flags.c.subject_type == r["subject_type"],
                                          impersonation_flags.c.subject == r["subject"][:500])).first()
                values = {k: r.get(k) for k in ("source_id", "url", "entity_key", "entity_name",
                                                 "score", "reasons", "tricks")}
                if old is None:
                    conn.execute(insert(impersonation_flags).values(
                        subject_type=r["subject_type"], subject=r["subject"][:500], status="open",
                        created_at=now, updated_at=now, **values))
                    added += 1
                elif old.status == "open":
                    conn.execute(update(impersonation_flags).where(impersonation_flags.c.id == old.id)
                                 .values(updated_at=now, **values))
        return added

    def list_impersonation_flags(self, status: str | None = None) -> list[dict[str, Any]]:
        q = (select(impersonation_flags, sources.c.key.label("source"),
                    sources.c.name.label("source_name"), sources.c.followers)
             .select_from(impersonation_flags.outerjoin(
                 sources, sources.c.id == impersonation_flags.c.source_id))
             .order_by(impersonation_flags.c.score.desc(), impersonation_flags.c.id))
        if status:
            q = q.where(impersonation_flags.c.status == status)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def decide_impersonation(self, flag_id: int, status: str, actor: str, note: str = "") -> bool:
        with self.write() as conn:
            n = conn.execute(update(impersonation_flags)
                             .where(impersonation_flags.c.id == flag_id)
                             .values(status=status, updated_at=_now())).rowcount
        if n:
            self.audit_event(actor, f"impersonation.{status}", "impersonation_flag", flag_id,
                             {"note": note[:2000]})
        return bool(n)

    # ------------------------------------------------------------------ compliance
    def aggregator_sources(self) -> list[dict[str, Any]]:
        q = select(sources).where(or_(sources.c.kind == "aggregator",
                                      sources.c.licence_scope == "aggregator"))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q.order_by(sources.c.key))]

    def source_articles(self, source_id: int) -> list[dict[str, Any]]:
        q = (self._item_select().where(items.c.source_id == source_id,
                                       items.c.kind.in_(("article", "post", "video")))
             .order_by(items.c.published_at, items.c.id))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def cluster_rows(self, cluster_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every item of the given near-duplicate clusters, with its source."""
        out: list[dict[str, Any]] = []
        ids = sorted({c for c in cluster_ids if c})
        with self.read() as conn:
            for part in _chunks(ids):
                q = (self._item_select().where(items.c.cluster_id.in_(part))
                     .order_by(items.c.published_at, items.c.id))
                out.extend(dict(r._mapping) for r in conn.execute(q))
        return out

    def replace_compliance_findings(self, source_id: int, rows: Sequence[dict[str, Any]]) -> None:
        now = _now()
        with self.write() as conn:
            conn.execute(delete(compliance_findings).where(
                compliance_findings.c.source_id == source_id))
            if rows:
                conn.execute(insert(compliance_findings),
                             [{"source_id": source_id, "checked_at": now, **r} for r in rows])

    def compliance_findings_of(self, source_id: int | None = None) -> list[dict[str, Any]]:
        q = (select(compliance_findings, items.c.title, items.c.url, sources.c.key.label("source"),
                    sources.c.name.label("source_name"))
             .select_from(compliance_findings
                          .join(sources, sources.c.id == compliance_findings.c.source_id)
                          .outerjoin(items, items.c.id == compliance_findings.c.item_id))
             .order_by(compliance_findings.c.published_at.desc(), compliance_findings.c.id))
        if source_id is not None:
            q = q.where(compliance_findings.c.source_id == source_id)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ partners
    def source_items(self, source_ids: Sequence[int], since: datetime | None = None,
                     kinds: Sequence[str] = ("post", "article", "video")) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        with self.read() as conn:
            for part in _chunks(list(source_ids)):
                q = self._item_select().where(items.c.source_id.in_(part), items.c.kind.in_(kinds))
                if since is not None:
                    q = q.where(items.c.published_at >= since)
                out.extend(dict(r._mapping) for r in conn.execute(q.order_by(items.c.published_at)))
        return out

    def item_label_map(self, item_ids: Sequence[int], tasks: Sequence[str]
                       ) -> dict[int, dict[str, list[str]]]:
        """item id -> task -> labels (a reviewer's label replaces the model's)."""
        found: dict[int, dict[str, dict[str, list[str]]]] = {}
        with self.read() as conn:
            for part in _chunks(sorted(set(item_ids))):
                for r in conn.execute(select(labels.c.item_id, labels.c.task, labels.c.label,
                                             labels.c.origin)
                                      .where(labels.c.item_id.in_(part), labels.c.task.in_(tasks))):
                    slot = found.setdefault(r.item_id, {}).setdefault(r.task, {})
                    slot.setdefault(r.origin, []).append(r.label)
        out: dict[int, dict[str, list[str]]] = {}
        for iid, tasks_ in found.items():
            out[iid] = {t: by.get("review") or by.get("import") or by.get("model") or []
                        for t, by in tasks_.items()}
        return out

    def add_agreement(self, row: dict[str, Any], actor: str) -> int:
        with self.write() as conn:
            aid = int(conn.execute(insert(partner_agreements).values(
                created_by=actor, created_at=_now(), status=row.get("status") or "active",
                **{k: row.get(k) for k in ("source_id", "contact", "starts_on", "ends_on",
                                           "topics", "note")})).inserted_primary_key[0])  # type: ignore[index]
            conn.execute(update(sources).where(sources.c.id == row["source_id"]).values(partner=True))
        self.audit_event(actor, "partner.agreement", "source", row["source_id"],
                         {"agreement": aid, "topics": row.get("topics"),
                          "starts_on": str(row.get("starts_on"))})
        return aid

    def list_agreements(self, on: date | None = None) -> list[dict[str, Any]]:
        q = (select(partner_agreements, sources.c.key.label("source"),
                    sources.c.name.label("source_name"), sources.c.followers)
             .select_from(partner_agreements.join(sources,
                                                  sources.c.id == partner_agreements.c.source_id))
             .order_by(partner_agreements.c.starts_on.desc(), partner_agreements.c.id.desc()))
        if on is not None:
            q = q.where(partner_agreements.c.starts_on <= on,
                        or_(partner_agreements.c.ends_on.is_(None), partner_agreements.c.ends_on >= on))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ campaigns
    def add_campaign(self, row: dict[str, Any], actor: str) -> int:
        with self.write() as conn:
            cid = int(conn.execute(insert(campaigns).values(
                created_by=actor, created_at=_now(), **row)).inserted_primary_key[0])  # type: ignore[index]
        self.audit_event(actor, "campaign.create", "campaign", cid, {"slug": row["slug"]})
        return cid

    def list_campaigns(self) -> list[dict[str, Any]]:
        n = (select(campaign_items.c.campaign_id, func.count().label("n"))
             .group_by(campaign_items.c.campaign_id).subquery())
        q = (select(campaigns, func.coalesce(n.c.n, 0).label("n_items"))
             .select_from(campaigns.outerjoin(n, n.c.campaign_id == campaigns.c.id))
             .order_by(campaigns.c.starts_on.desc(), campaigns.c.id.desc()))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def get_campaign(self, slug: str) -> dict[str, Any] | None:
        with self.read() as conn:
            row = conn.execute(select(campaigns).where(campaigns.c.slug == slug)).first()
        return dict(row._mapping) if row else None

    def add_campaign_items(self, campaign_id: int, item_ids: Sequence[int], actor: str) -> int:
        now = _now()
        added = 0
        with self.write() as conn:
            have = set(conn.execute(select(campaign_items.c.item_id)
                                    .where(campaign_items.c.campaign_id == campaign_id)).scalars())
            exists = set(conn.execute(select(items.c.id).where(items.c.id.in_(list(item_ids))))
                         .scalars()) if item_ids else set()
            new = [i for i in dict.fromkeys(item_ids) if i not in have and i in exists]
            if new:
                conn.execute(insert(campaign_items), [{"campaign_id": campaign_id, "item_id": i,
                                                       "added_at": now} for i in new])
                added = len(new)
        if added:
            self.audit_event(actor, "campaign.items", "campaign", campaign_id, {"items": new})
        return added

    def campaign_item_rows(self, campaign_id: int) -> list[dict[str, Any]]:
        q = (self._item_select().join(campaign_items, campaign_items.c.item_id == items.c.id)
             .where(campaign_items.c.campaign_id == campaign_id).order_by(items.c.published_at))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ spread
    def official_items(self, since: datetime | None = None, limit: int = 200,
                       item_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        q = self._item_select().where(items.c.kind.in_(("article", "post", "video")))
        if item_ids is not None:
            q = q.where(items.c.id.in_(list(item_ids)))
        else:
            q = q.where(sources.c.official.is_(True))
        if since is not None:
            q = q.where(items.c.published_at >= since)
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(
                q.order_by(items.c.published_at.desc(), items.c.id.desc()).limit(limit))]

    def items_mentioning(self, needles: Sequence[str], limit: int = 5000) -> list[dict[str, Any]]:
        """Items whose text or extra carries one of the given strings (links to official URLs)."""
        needles = [n for n in dict.fromkeys(needles) if n and len(n) >= 12]
        out: list[dict[str, Any]] = []
        from sqlalchemy import String, cast

        with self.read() as conn:
            for part in _chunks(needles, 50):
                cond = or_(*[or_(items.c.text.contains(n, autoescape=True),
                                 cast(items.c.extra, String).contains(n, autoescape=True))
                             for n in part])
                out.extend(dict(r._mapping) for r in conn.execute(
                    self._item_select().where(cond).limit(limit)))
        return out

    def topic_items(self, keywords: Sequence[str], start: datetime, end: datetime
                    ) -> list[dict[str, Any]]:
        """Items in [start, end) whose folded text contains any keyword (already folded)."""
        if not keywords:
            return []
        cond = or_(*[items.c.folded.contains(k, autoescape=True) for k in keywords])
        q = (select(items.c.id, items.c.published_at)
             .where(and_(cond, items.c.published_at >= start, items.c.published_at < end)))
        with self.read() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def cluster_sizes(self, cluster_ids: Sequence[str]) -> dict[str, int]:
        with self.read() as conn:
            return {r.id: int(r.size) for r in conn.execute(
                select(clusters.c.id, clusters.c.size).where(clusters.c.id.in_(list(cluster_ids))))}
