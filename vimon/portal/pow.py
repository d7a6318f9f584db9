"""Proof of work for the public report form, instead of a third-party captcha.

The server hands out a signed challenge ``ts.nonce.bits.sig``; the browser (static/pow.js)
finds a counter such that SHA-256(challenge ":" counter) starts with ``bits`` zero bits
(16 bits ≈ 65,000 hashes: well under a second in a browser, a real cost for a bulk sender).
The server checks the signature, age, difficulty and the hash with one SHA-256, and accepts
each challenge once (remembered in process for its lifetime).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from vimon.auth.secrets import sign

MAX_AGE_S = 2 * 3600


class Challenges:
    def __init__(self) -> None:
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, key: bytes, bits: int, now: float | None = None) -> str:
        body = f"{int(now or time.time())}.{secrets.token_urlsafe(12)}.{bits}"
        return f"{body}.{sign(key, 'pow', body)}"

    def check(self, key: bytes, challenge: str, counter: str, min_bits: int,
              now: float | None = None) -> str | None:
        """None when valid (and now spent); else the reason."""
        now = now or time.time()
        parts = (challenge or "").split(".")
        if len(parts) != 4 or not counter or len(counter) > 20 or not counter.isdigit():
            return "malformed"
        ts, _nonce, bits_s, sig = parts
        body = ".".join(parts[:3])
        if not hmac.compare_digest(sign(key, "pow", body), sig):
            return "bad_signature"
        if not ts.isdigit() or not bits_s.isdigit():
            return "malformed"
        if now - int(ts) > MAX_AGE_S or int(ts) - now > 60:
            return "expired"
        bits = int(bits_s)
        if bits < min_bits:
            return "too_easy"
        if not leading_zero_bits(hashlib.sha256(f"{challenge}:{counter}".encode()).digest(), bits):
            return "wrong_answer"
        with self._lock:
            if challenge in self._used:
                return "replayed"
            self._used[challenge] = now
            if len(self._used) > 50_000:
                for k in [k for k, t in self._used.items() if now - t > MAX_AGE_S]:
                    del self._used[k]
        return None


def leading_zero_bits(digest: bytes, bits: int) -> bool:
    full, rest = divmod(bits, 8)
    if any(digest[:full]):
        return False
    return rest == 0 or digest[full] >> (8 - rest) == 0


def solve(challenge: str, bits: int) -> str:
    """What the browser does (used by tests and the load generator)."""
    n = 0
    while True:
        if leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest(), bits):
            return str(n)
        n += 1
