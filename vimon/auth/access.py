"""Which paths are public, and which permission every other path needs (checked centrally by
the middleware, so a new page is staff-only unless listed here as public)."""

from __future__ import annotations

PUBLIC_EXACT = frozenset({
    "/healthz", "/openapi.json", "/login", "/report", "/report/challenge", "/debunks",
    "/debunks.json", "/debunks.rss", "/favicon.ico",
})
PUBLIC_PREFIXES = ("/static/", "/report/", "/debunks/")
# Routes that check their own credentials (the ingest API's bearer token).
SELF_AUTH = frozenset({"/api/ingest", "/api/ingest/queue"})

# First matching prefix wins; None = any signed-in user. Anything unlisted needs items.read,
# which unit liaisons do not have: a new page is closed to them until someone opens it here.
RULES: tuple[tuple[str, str | None], ...] = (
    ("/logout", None),
    ("/account", None),
    ("/docs", None),
    ("/redoc", None),
    ("/admin", "users.manage"),
    ("/audit", "audit.read"),
    ("/cases", "case.read"),
    ("/review", "review.decide"),
    ("/approvals", "case.approve"),
    ("/staff/debunks", "debunk.publish"),
)
DEFAULT_PERMISSION = "items.read"


def is_public(path: str) -> bool:
    return path in PUBLIC_EXACT or path.startswith(PUBLIC_PREFIXES)


def required_permission(path: str) -> str | None:
    for prefix, perm in RULES:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            return perm
    return DEFAULT_PERMISSION
