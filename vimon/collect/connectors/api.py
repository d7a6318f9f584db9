"""Shared plumbing of the platform API connectors: a JSON GET through the polite fetcher
(robots.txt does not apply to APIs), with the response kept as evidence."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson

from vimon.collect.connectors.base import RunContext
from vimon.collect.fetch import JSON_TYPES, FetchResult


class ApiError(Exception):
    def __init__(self, code: str, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.retry_after = retry_after


def with_params(url: str, params: dict[str, Any]) -> str:
    q = urlencode({k: v for k, v in params.items() if v is not None})
    return url + ("&" if "?" in url else "?") + q if q else url


async def get_json(ctx: RunContext, url: str, base: str) -> tuple[Any, FetchResult]:
    """(parsed JSON or None, result). Refuses URLs off the API host (``paging.next`` is
    followed only when it points back at the API)."""
    if urlsplit(url).netloc != urlsplit(base).netloc:
        raise ApiError("api_error", f"pagination URL leaves the API host: {urlsplit(url).netloc}")
    res = await ctx.fetch(url, accept=JSON_TYPES, check_robots=False)
    data = None
    if res.body:
        try:
            data = orjson.loads(res.body)
        except orjson.JSONDecodeError:
            data = None
    return data, res
