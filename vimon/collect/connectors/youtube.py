"""YouTube Data API v3: a channel's uploads (``channels`` → uploads playlist →
``playlistItems``), their statistics (``videos``) and comment threads (``commentThreads``).

The channel comes from ``extra.channel_id`` or the URL (/channel/UC…, /@handle). Uploads are
read newest first and paging stops at the newest video of the previous run (the cursor is
saved after the items are stored) or at ``extra.max_pages`` (default 3). Errors by reason:
``quotaExceeded`` / ``dailyLimitExceeded`` / ``rateLimitExceeded`` → ``quota_exceeded`` (the
source is postponed an hour; quota cost is 1 unit per list call); ``keyInvalid`` /
``forbidden`` → ``auth_error``; ``commentsDisabled`` → that video's comments are skipped;
``channelNotFound`` / ``playlistNotFound`` → ``bad_source``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from vimon.collect.connectors.api import ApiError, get_json, with_params
from vimon.collect.connectors.base import RunContext, SourceFailed

QUOTA = {"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded"}
AUTH = {"keyInvalid", "forbidden", "accessNotConfigured", "keyExpired", "ipRefererBlocked"}
NOT_FOUND = {"channelNotFound", "playlistNotFound", "videoNotFound", "notFound"}


def channel_ref(source: dict[str, Any]) -> dict[str, str]:
    extra = source.get("extra") or {}
    if extra.get("channel_id"):
        return {"id": str(extra["channel_id"])}
    parts = [x for x in urlsplit(source.get("url") or "").path.split("/") if x]
    if len(parts) >= 2 and parts[0] == "channel":
        return {"id": parts[1]}
    if parts and parts[0].startswith("@"):
        return {"forHandle": parts[0]}
    raise SourceFailed("bad_source", f"không xác định được kênh từ URL {source.get('url')!r}")


def yt_error(data: Any, status: int | None) -> ApiError:
    err = (data or {}).get("error") if isinstance(data, dict) else None
    if not isinstance(err, dict):
        return ApiError("api_error", f"HTTP {status}: no API error object")
    reasons = {e.get("reason") for e in err.get("errors", []) if isinstance(e, dict)}
    msg = f"YouTube {err.get('code')} {','.join(sorted(r for r in reasons if r))}: {err.get('message', '')}"[:500]
    if reasons & QUOTA:
        return ApiError("quota_exceeded", msg, retry_after=3600.0)
    if reasons & AUTH or err.get("code") == 401:
        return ApiError("auth_error", msg)
    if "commentsDisabled" in reasons:
        return ApiError("comments_disabled", msg)
    if reasons & NOT_FOUND or err.get("code") == 404:
        return ApiError("bad_source", msg)
    return ApiError("api_error", msg)


class _Api:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.base = ctx.settings.youtube_api_base.rstrip("/")
        self.key = ctx.settings.youtube_api_key

    async def get(self, endpoint: str, **params: Any) -> tuple[dict[str, Any], Any]:
        url = with_params(f"{self.base}/{endpoint}", {**params, "key": self.key})
        data, res = await get_json(self.ctx, url, self.base)
        if not res.ok or not isinstance(data, dict) or "error" in data:
            if isinstance(data, dict) and "error" in data:
                raise yt_error(data, res.status)
            raise ApiError(res.error or "api_error", res.detail or "not JSON", res.retry_after)
        return data, res


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


async def collect_youtube(ctx: RunContext) -> None:
    if not ctx.settings.youtube_api_key:
        raise SourceFailed("not_configured", "VIMON_YOUTUBE_API_KEY chưa đặt / not set")
    api = _Api(ctx)
    try:
        await _collect(ctx, api)
    except ApiError as exc:
        raise SourceFailed(exc.code, exc.detail, exc.retry_after) from None


async def _collect(ctx: RunContext, api: _Api) -> None:
    ref = channel_ref(ctx.source)
    data, res = await api.get("channels", part="contentDetails,statistics", **ref)
    chans = data.get("items") or []
    if not chans:
        raise ApiError("bad_source", f"channel not found: {ref}")
    ch = chans[0]
    uploads = ((ch.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
    subs = _int((ch.get("statistics") or {}).get("subscriberCount"))
    await ctx.emit([], [ctx.snap(res, "api")])
    if not uploads:
        raise ApiError("bad_source", "channel has no uploads playlist")
    state_key = f"{api.base}/playlistItems?playlistId={uploads}"
    state = await ctx.db(ctx.store.get_fetch_state, ctx.source_id, state_key)
    last_seen = (state or {}).get("cursor")
    newest: str | None = None
    token: str | None = None
    max_pages = int(ctx.extra.get("max_pages", 3))
    for _ in range(max_pages):
        data, res = await api.get("playlistItems", part="snippet,contentDetails",
                                  playlistId=uploads, maxResults=50, pageToken=token)
        vids = []
        stop = False
        for it in data.get("items") or []:
            sn = it.get("snippet") or {}
            vid = (it.get("contentDetails") or {}).get("videoId") or (sn.get("resourceId") or {}).get("videoId")
            if not vid:
                continue
            when = (it.get("contentDetails") or {}).get("videoPublishedAt") or sn.get("publishedAt")
            if last_seen and when and when <= last_seen:
                stop = True
                continue
            newest = max(newest or "", when or "") or newest
            vids.append({"id": vid, "title": sn.get("title"), "description": sn.get("description"),
                         "published_at": when})
        await _videos(ctx, api, vids, res, subs)
        token = data.get("nextPageToken")
        if stop or not token:
            break
    if newest and newest != last_seen:
        await ctx.db(ctx.store.set_fetch_state, ctx.source_id, state_key, cursor=newest)


async def _videos(ctx: RunContext, api: _Api, vids: list[dict[str, Any]], list_res: Any,
                  subs: int | None) -> None:
    if not vids:
        await ctx.emit([], [ctx.snap(list_res, "api")])
        return
    stats: dict[str, dict[str, Any]] = {}
    data, res = await api.get("videos", part="statistics", id=",".join(v["id"] for v in vids))
    for it in data.get("items") or []:
        stats[it.get("id")] = it.get("statistics") or {}
    rows = []
    for v in vids:
        s = stats.get(v["id"], {})
        metrics = {k: n for k, n in {"views": _int(s.get("viewCount")), "likes": _int(s.get("likeCount")),
                                      "comments": _int(s.get("commentCount"))}.items() if n is not None}
        rows.append({
            "id": v["id"], "source": ctx.key, "kind": "video",
            "url": f"https://www.youtube.com/watch?v={v['id']}", "title": v["title"],
            "text": "\n".join(x for x in (v["title"], v["description"]) if x) or v["id"],
            "published_at": v["published_at"], "metrics": metrics or None, "followers": subs,
            "extra": {"evidence_sha256": list_res.sha256, "via": "youtube"},
        })
    await ctx.emit(rows, [ctx.snap(list_res, "api"), ctx.snap(res, "api")],
                   [(0, r["id"]) for r in rows] + [(1, r["id"]) for r in rows])
    if ctx.extra.get("comments", True) is not False:
        for v in vids:
            await _comments(ctx, api, v["id"])


async def _comments(ctx: RunContext, api: _Api, video_id: str) -> None:
    token: str | None = None
    for _ in range(int(ctx.extra.get("max_comment_pages", 2))):
        try:
            data, res = await api.get("commentThreads", part="snippet", videoId=video_id,
                                      maxResults=100, order="time", textFormat="plainText",
                                      pageToken=token)
        except ApiError as exc:
            if exc.code == "comments_disabled":
                return
            raise
        rows = []
        for th in data.get("items") or []:
            top = ((th.get("snippet") or {}).get("topLevelComment") or {})
            sn = top.get("snippet") or {}
            text = sn.get("textOriginal") or sn.get("textDisplay")
            if not top.get("id") or not text:
                continue
            rows.append({
                "id": top["id"], "source": ctx.key, "kind": "comment", "text": text,
                "parent_id": video_id, "author": sn.get("authorDisplayName"),
                "published_at": sn.get("publishedAt"),
                "metrics": {"likes": n} if (n := _int(sn.get("likeCount"))) is not None else None,
                "extra": {"evidence_sha256": res.sha256, "via": "youtube"},
            })
        await ctx.emit(rows, [ctx.snap(res, "api")], [(0, r["id"]) for r in rows])
        token = data.get("nextPageToken")
        if not token:
            return
