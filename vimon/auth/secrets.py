"""The deployment secret and what is derived from it (HMAC keys, the contact-data cipher).

Outside production a random secret is created once in ``<home>/secret.key`` (mode 0600), so a
local install works without setup; in production ``VIMON_SECRET_KEY`` must be set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as _secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from vimon.errors import ConfigError


def secret_key(settings: object) -> bytes:
    value = getattr(settings, "secret_key", None)
    env = getattr(settings, "environment", "local")
    if value:
        if env == "production" and len(value) < 32:
            raise ConfigError("VM-CFG-010", "VIMON_SECRET_KEY quá ngắn (< 32 ký tự) / secret too short",
                              "Đặt VIMON_SECRET_KEY ngẫu nhiên ≥ 32 ký tự.")
        return value.encode()
    if env == "production":
        raise ConfigError(
            "VM-CFG-011",
            "Thiếu VIMON_SECRET_KEY trong môi trường production / secret key missing in production",
            "Đặt VIMON_SECRET_KEY ngẫu nhiên ≥ 32 ký tự (vd. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))').",
        )
    return _local_secret(str(getattr(settings, "home", "vimon-data")))


@lru_cache(maxsize=8)
def _local_secret(home_setting: str) -> bytes:
    # Cached by the setting as given: resolving the path costs syscalls on every request.
    home = Path(home_setting).resolve()
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(_secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


@lru_cache(maxsize=64)
def derive(key: bytes, purpose: str) -> bytes:
    """A separate key per purpose, so one leaked token kind says nothing of another."""
    return hmac.new(key, b"vimon:" + purpose.encode(), hashlib.sha256).digest()


def sign(key: bytes, purpose: str, message: str) -> str:
    mac = hmac.new(derive(key, purpose), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")


class ContactCipher:
    """Encrypts reporters' contact data at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

    def __init__(self, key: bytes) -> None:
        self._f = Fernet(base64.urlsafe_b64encode(derive(key, "contact")))

    def encrypt(self, text: str) -> str:
        return self._f.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        try:
            return self._f.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            return None
