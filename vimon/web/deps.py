"""Request plumbing as named dependencies."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request

from vimon.settings import Settings


# Dependencies that only read request state are ``async def``: FastAPI runs a plain ``def``
# dependency in the thread pool, a thread hop on every request for nothing.
async def get_store(request: Request) -> Any:
    return request.app.state.store


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Any, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def require_api_token(
    request: Request, settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Write APIs need ``Authorization: Bearer <VIMON_API_TOKEN>`` (none configured = closed),
    or a per-user API token (``vmn_…``) of a user allowed to write."""
    expected = settings.api_token
    given = (authorization or "").removeprefix("Bearer ").strip()
    if given.startswith("vmn_"):  # a per-user API token (hashed at rest) with write rights
        from vimon.auth.roles import can
        from vimon.auth.service import token_user

        user = token_user(request.app.state.store, given)
        if user is not None and can(user, "case.write"):
            return
    if not expected:
        raise HTTPException(
            503,
            "API ghi chưa được bật: đặt VIMON_API_TOKEN / write API disabled: set VIMON_API_TOKEN",
        )
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "Mã truy cập không đúng / invalid API token",
                            headers={"WWW-Authenticate": "Bearer"})


ApiTokenDep = Annotated[None, Depends(require_api_token)]


# --------------------------------------------------------------------------- people (vimon.auth)
async def get_current_user(request: Request) -> dict[str, Any]:
    """The signed-in user (session cookie or per-user API token), set by AuthMiddleware."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise HTTPException(401, "Cần đăng nhập / authentication required",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[dict[str, Any], Depends(get_current_user)]


def require(permission: str) -> Any:
    """Dependency: the current user, who must hold ``permission`` (vimon/auth/roles.json)."""

    async def dep(user: CurrentUser) -> dict[str, Any]:
        from vimon.auth.roles import can

        if not can(user, permission):
            raise HTTPException(403, "Bạn không có quyền / forbidden")
        return user

    return Depends(dep)

# A page number for paged views: bounded, so an absurd ?page= cannot overflow an OFFSET.
PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="Trang / page number")]
