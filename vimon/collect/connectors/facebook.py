"""Facebook Graph API: page posts (``/{page}/posts``) or group posts (``/{group}/feed``,
where the token is allowed), with their comments (``/{post}/comments``).

The object id comes from ``extra.page_id`` / ``extra.group_id`` or the source URL
(facebook.com/<name>, facebook.com/groups/<id>, profile.php?id=<id>). Pages of results are
followed through ``paging.next`` up to ``extra.max_pages`` (default 5); a later run asks only
for posts ``since`` the newest one already stored. Graph error codes map to reasons:
190 token invalid → ``auth_error``; 10 / 200–299 → ``permission_denied``;
4, 17, 32, 613, 80001–80014 → ``rate_limited`` (the source is postponed an hour);
100 unknown object → ``bad_source``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vimon.collect.connectors.api import ApiError, get_json, with_params
from vimon.collect.connectors.base import RunContext, SourceFailed

POST_FIELDS = ("id,message,story,created_time,permalink_url,from{id,name},shares,"
               "reactions.summary(true).limit(0),comments.summary(true).limit(0)")
COMMENT_FIELDS = "id,message,created_time,from{id,name},like_count,parent{id}"
RATE_CODES = {4, 17, 32, 613} | set(range(80001, 80015))


def object_id(source: dict[str, Any]) -> tuple[str, bool]:
    """(Graph object id, is_group)."""
    extra = source.get("extra") or {}
    if extra.get("group_id"):
        return str(extra["group_id"]), True
    if extra.get("page_id"):
        return str(extra["page_id"]), False
    url = source.get("url") or ""
    p = urlsplit(url)
    parts = [x for x in p.path.split("/") if x]
    if parts[:1] == ["groups"] and len(parts) > 1:
        return parts[1], True
    if parts[:1] == ["profile.php"]:
        ident = parse_qs(p.query).get("id", [""])[0]
        if ident:
            return ident, False
    if parts and parts[0] not in ("pages", "people"):
        return parts[0], source.get("kind") == "social-group"
    if len(parts) >= 3 and parts[0] == "pages":
        return parts[-1], False
    raise SourceFailed("bad_source", f"không xác định được trang/nhóm từ URL {url!r}")


def graph_error(data: Any, status: int | None) -> ApiError:
    err = (data or {}).get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return ApiError("api_error", f"HTTP {status}: no Graph error object")
    code = err.get("code")
    msg = f"Graph error {code}/{err.get('error_subcode')}: {err.get('message', '')}"[:500]
    if code == 190:
        return ApiError("auth_error", msg)
    if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
        return ApiError("permission_denied", msg)
    if code in RATE_CODES:
        return ApiError("rate_limited", msg, retry_after=3600.0)
    if code == 100:
        return ApiError("bad_source", msg)
    return ApiError("api_error", msg)


def _when(value: str | None) -> str | None:
    if not value:
        return None
    try:  # Graph writes "2026-11-20T08:00:00+0000"
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC).isoformat()
    except ValueError:
        return None


def _count(obj: Any) -> int | None:
    if isinstance(obj, dict):
        s = obj.get("summary") or {}
        n = s.get("total_count", obj.get("count"))
        return int(n) if isinstance(n, int) else None
    return None


async def _pages(ctx: RunContext, first: str, base: str, max_pages: int):  # type: ignore[no-untyped-def]
    url: str | None = first
    n = 0
    while url and n < max_pages:
        data, res = await get_json(ctx, url, base)
        if not res.ok or not isinstance(data, dict) or "error" in data:
            if res.error in (None, "http_4xx", "http_404") or (isinstance(data, dict) and "error" in data):
                raise graph_error(data, res.status)
            raise ApiError(res.error or "api_error", res.detail, res.retry_after)
        n += 1
        yield data, res
        url = (data.get("paging") or {}).get("next")


async def collect_facebook(ctx: RunContext) -> None:
    token = ctx.settings.facebook_token
    if not token:
        raise SourceFailed("not_configured", "VIMON_FACEBOOK_TOKEN chưa đặt / not set")
    base = ctx.settings.facebook_api_base.rstrip("/")
    oid, is_group = object_id(ctx.source)
    edge = "feed" if is_group else "posts"
    state = await ctx.db(ctx.store.get_fetch_state, ctx.source_id, f"{base}/{oid}/{edge}")
    since = (state or {}).get("cursor")
    max_pages = int(ctx.extra.get("max_pages", 5))
    want_comments = ctx.extra.get("comments", True) is not False
    first = with_params(f"{base}/{oid}/{edge}", {
        "fields": POST_FIELDS, "limit": 100, "since": since, "access_token": token})
    newest = since
    try:
        async for data, res in _pages(ctx, first, base, max_pages):
            posts = [p for p in data.get("data", []) if isinstance(p, dict) and p.get("id")]
            rows = []
            for p in posts:
                text = p.get("message") or p.get("story")
                if not text:
                    continue
                rows.append({
                    "id": p["id"], "source": ctx.key, "kind": "post",
                    "url": p.get("permalink_url"), "text": text,
                    "author": (p.get("from") or {}).get("name"),
                    "published_at": _when(p.get("created_time")),
                    "metrics": {k: v for k, v in {
                        "likes": _count(p.get("reactions")), "comments": _count(p.get("comments")),
                        "shares": (p.get("shares") or {}).get("count")}.items() if v is not None},
                    "followers": ctx.source.get("followers"),
                    "extra": {"evidence_sha256": res.sha256, "via": "graph"},
                })
                ts = _unix(p.get("created_time"))
                if ts and (newest is None or int(ts) > int(newest)):
                    newest = ts
            await ctx.emit(rows, [ctx.snap(res, "api")], [(0, r["id"]) for r in rows])
            if want_comments:
                for p in posts:
                    await _comments(ctx, p["id"], base, token)
    except ApiError as exc:
        raise SourceFailed(exc.code, exc.detail, exc.retry_after) from None
    if newest != since:
        await ctx.db(ctx.store.set_fetch_state, ctx.source_id, f"{base}/{oid}/{edge}",
                     cursor=newest)


def _unix(value: str | None) -> str | None:
    try:
        return str(int(datetime.strptime(value or "", "%Y-%m-%dT%H:%M:%S%z").timestamp()))
    except ValueError:
        return None


async def _comments(ctx: RunContext, post_id: str, base: str, token: str) -> None:
    first = with_params(f"{base}/{post_id}/comments", {
        "fields": COMMENT_FIELDS, "limit": 100, "filter": "stream", "access_token": token})
    max_pages = int(ctx.extra.get("max_comment_pages", 3))
    try:
        async for data, res in _pages(ctx, first, base, max_pages):
            rows = [{
                "id": c["id"], "source": ctx.key, "kind": "comment", "text": c["message"],
                "parent_id": (c.get("parent") or {}).get("id") or post_id,
                "author": (c.get("from") or {}).get("name"),
                "published_at": _when(c.get("created_time")),
                "metrics": {"likes": c["like_count"]} if isinstance(c.get("like_count"), int) else None,
                "extra": {"evidence_sha256": res.sha256, "via": "graph", "post_id": post_id},
            } for c in data.get("data", []) if isinstance(c, dict) and c.get("id") and c.get("message")]
            await ctx.emit(rows, [ctx.snap(res, "api")], [(0, r["id"]) for r in rows])
    except ApiError as exc:
        if exc.code in ("auth_error", "rate_limited"):
            raise
        # Comments closed or hidden on one post: note it, keep the post.
        await ctx.fail(f"{base}/{post_id}/comments", exc.code, exc.detail)
