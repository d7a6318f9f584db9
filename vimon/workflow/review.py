"""The review queue: what the models, watchlists, debunk matches and citizen reports flag,
ordered by risk × reach; a reviewer's decision is kept as a training label.

Ordering (``priority = risk × reach``):
- risk ∈ [0, 1]: the strongest flag on the target (a model's probability, a match's
  containment score, a citizen report's fixed weight growing with the number of reports);
- reach ≥ 1: 1 + log10(1 + followers of author or source) + log10(1 + likes + 2·shares +
  comments + views/10) + log2(cluster size). Logarithms, so a page with a million followers
  outranks one with a thousand by a bounded step, not by a factor of a thousand.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from vimon.auth import roles
from vimon.workflow import matching
from vimon.workflow.cases import Forbidden, WorkflowError

# Which model outputs are worth a human look (task -> harmful labels), and the label a
# dismissal teaches (the task's harmless class).
HARMFUL = {"toxicity": ("offensive",), "reliability": ("unreliable",)}
HARMLESS = {"toxicity": "clean", "reliability": "reliable"}
REPORT_RISK = 0.6  # one citizen report; each further report adds 0.1, up to 0.9
KIND_LABELS = {"model": "Mô hình", "watchlist": "Danh sách theo dõi", "match": "Trùng nhận định đã bác bỏ",
               "report": "Người dân phản ánh"}


def sync_flags(store: Any, settings: Any) -> int:
    """Flag what arrived since the last call: model labels over the threshold, and items that
    repeat a published debunk's claim. Incremental (cursors kept in the store)."""
    added = 0
    cursor = int(store.get_state("flags.label_cursor", "0") or 0)
    while True:
        rows = store.labels_after(cursor, list(HARMFUL))
        if not rows:
            break
        new = []
        for r in rows:
            if r["origin"] != "model":
                continue
            score = (r["scores"] or {}).get(r["label"], r["score"] or 0.0)
            if r["label"] in HARMFUL.get(r["task"], ()) and score >= settings.review_model_threshold:
                new.append({"item_id": r["item_id"], "kind": "model",
                            "ref": f"{r['task']}:{r['label']}", "score": float(score),
                            "detail": {"task": r["task"], "label": r["label"],
                                       "scores": r["scores"], "spans": r["spans"],
                                       "model_version": r["model_version"]}})
        cursor = int(rows[-1]["id"])
        added += store.add_flags(new, state={"flags.label_cursor": str(cursor)})
    added += match_new_items(store, settings)
    return added


def _claims(store: Any) -> list[dict[str, Any]]:
    out = []
    for d in store.list_debunks(limit=1000):
        d["_pairs"] = matching.pairs(d["claim_folded"])
        out.append(d)
    return out


def match_new_items(store: Any, settings: Any, claims: list[dict[str, Any]] | None = None,
                    from_start: bool = False) -> int:
    """Compare items not yet compared (or all, for a newly published debunk) with the claims."""
    claims = claims if claims is not None else _claims(store)
    key = "flags.match_cursor"
    cursor = 0 if from_start else int(store.get_state(key, "0") or 0)
    added = 0
    while True:
        rows = store.items_for_matching(cursor)
        if not rows:
            break
        new = []
        for it in rows:
            for m in matching.match(claims, it["folded"], settings.debunk_match_threshold):
                new.append({"item_id": it["id"], "kind": "match", "ref": f"debunk:{m['debunk_id']}",
                            "score": m["score"], "detail": m})
        cursor = int(rows[-1]["id"])
        state = {} if from_start else {key: str(cursor)}
        added += store.add_flags(new, state=state)
    return added


def reach(row: dict[str, Any]) -> float:
    m = row.get("metrics") or {}
    engagement = (m.get("likes", 0) or 0) + 2 * (m.get("shares", 0) or 0) + \
        (m.get("comments", 0) or 0) + (m.get("views", 0) or 0) / 10
    followers = row.get("followers") or row.get("source_followers") or 0
    size = max(int(row.get("cluster_size") or 1), 1)
    return 1 + math.log10(1 + followers) + math.log10(1 + max(engagement, 0)) + math.log2(size)


def queue(store: Any, *, kind: str | None = None, source: str | None = None,
          min_risk: float = 0.0, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Open flags grouped by what they flag (an item, or a report about no known item)."""
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    n_reports: dict[tuple[str, int], int] = defaultdict(int)
    for f in store.open_flags(kind=kind, source=source):
        key = ("item", f["item_id"]) if f["item_id"] else ("report", f["report_id"])
        g = groups.get(key)
        if g is None:
            g = groups[key] = {
                "target": key[0], "target_id": key[1], "title": f["title"],
                "snippet": f["snippet"] or f["report_text"], "url": f["url"] or f["report_url"],
                "source": f["source"], "item_kind": f["item_kind"], "metrics": f["metrics"],
                "followers": f["followers"] or f["source_followers"],
                "cluster_size": f["cluster_size"] or 1, "published_at": f["published_at"],
                "flags": [], "risk": 0.0,
            }
        if f["kind"] == "report":
            n_reports[key] += 1
        g["flags"].append({"id": f["id"], "kind": f["kind"], "kind_label": KIND_LABELS.get(f["kind"], f["kind"]),
                           "ref": f["ref"], "score": f["score"], "detail": f["detail"],
                           "ticket": f["ticket"], "case_id": f["report_case"]})
        g["risk"] = max(g["risk"], float(f["score"]))
    rows = []
    for key, g in groups.items():
        if n_reports[key] > 1:
            g["risk"] = max(g["risk"], min(0.9, REPORT_RISK + 0.1 * (n_reports[key] - 1)))
        g["reach"] = round(reach(g), 3)
        g["priority"] = round(g["risk"] * g["reach"], 4)
        g["risk"] = round(g["risk"], 3)
        if g["risk"] >= min_risk:
            rows.append(g)
    rows.sort(key=lambda g: (-g["priority"], -(g["target_id"] or 0)))
    return rows[offset: offset + limit], len(rows)


def decide(store: Any, user: dict[str, Any], flag_ids: list[int], action: str,
           label: str | None = None, note: str = "") -> int:
    """confirm: the flag was right (its label becomes a training label); correct: the right
    label is ``label``; dismiss: nothing wrong (the task's harmless label is recorded)."""
    if not roles.can(user, "review.decide"):
        raise Forbidden("VM-WF-403", "Bạn không có quyền rà soát / not allowed to review")
    if action not in ("confirm", "correct", "dismiss"):
        raise WorkflowError("VM-WF-060", f"Quyết định không hợp lệ / bad decision {action!r}")
    decisions = []
    for f in store.get_flags(flag_ids):
        if f["status"] != "open":
            continue
        task, _, flagged = f["ref"].partition(":") if f["kind"] == "model" else ("", "", "")
        lab = None
        if task:
            if action == "confirm":
                lab = {"task": task, "label": flagged, "spans": (f["detail"] or {}).get("spans")}
            elif action == "correct":
                if not label:
                    raise WorkflowError("VM-WF-061", "Cần chọn nhãn đúng / choose the right label")
                lab = {"task": task, "label": label}
            elif task in HARMLESS:
                lab = {"task": task, "label": HARMLESS[task]}
        status = {"confirm": "confirmed", "correct": "corrected", "dismiss": "dismissed"}[action]
        decisions.append({"flag_id": f["id"], "item_id": f["item_id"], "status": status,
                          "decision": {"action": action, "label": label, "note": note[:2000],
                                       "ref": f["ref"]}, "label": lab})
    return int(store.decide_flags(decisions, user["username"]))
