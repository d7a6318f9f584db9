"""Request plumbing as named dependencies."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from vimon.settings import Settings


def get_store(request: Request) -> Any:
    return request.app.state.store


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Any, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def require_api_token(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    """Write APIs need ``Authorization: Bearer <VIMON_API_TOKEN>``; none configured = closed."""
    expected = settings.api_token
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
