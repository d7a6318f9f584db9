"""In-process rate limits: a sliding window approximated by two fixed windows (O(1) per key).

Per process: several server processes each count on their own (state this in deployment
notes; a shared limiter would use Redis). Keys are IP addresses and their networks.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from functools import lru_cache


class RateLimiter:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window = window_s
        self._counts: dict[str, tuple[int, int, int]] = {}  # key -> (window no, current, previous)
        self._lock = threading.Lock()
        self._last_sweep = 0.0

    def hit(self, key: str, now: float | None = None) -> bool:
        """Count one event for ``key``; False when it is over the limit (not counted then)."""
        now = time.monotonic() if now is None else now
        win = int(now // self.window)
        frac = (now % self.window) / self.window
        with self._lock:
            w, cur, prev = self._counts.get(key, (win, 0, 0))
            if w != win:
                prev, cur = (cur if w == win - 1 else 0), 0
            estimate = prev * (1.0 - frac) + cur
            if estimate + 1 > self.limit:
                self._counts[key] = (win, cur, prev)
                return False
            self._counts[key] = (win, cur + 1, prev)
            if now - self._last_sweep > self.window * 2 and len(self._counts) > 10_000:
                self._sweep(win)
                self._last_sweep = now
        return True

    def _sweep(self, win: int) -> None:
        for k in [k for k, v in self._counts.items() if v[0] < win - 1]:
            del self._counts[k]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


@lru_cache(maxsize=8192)
def network_of(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to: one household, office or NAT."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
