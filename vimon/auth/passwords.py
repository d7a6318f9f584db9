"""Argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from vimon.errors import VimonError

_HASHER = PasswordHasher()
# Verified when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY = _HASHER.hash("vimon-timing-equaliser")
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    check_policy(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise VimonError("VM-AUTH-011", f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự / password "
                         f"must have at least {MIN_LENGTH} characters")
    if password.lower() in {"changeme1234", "password1234", "matkhau12345", "123456789012"}:
        raise VimonError("VM-AUTH-012", "Mật khẩu quá dễ đoán / password too common")


def generate_password(n: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))
