"""Public report endpoint under load: POST /report on loopback, beside GET /healthz.

The server runs `vimon serve` in its own process (SQLite, rate limits raised for a load test,
proof of work at 8 bits: the challenges are fetched and solved *before* timing, as browsers
solve them before sending). This process is the load generator: an asyncio HTTP/1.1 client
with keep-alive connections, closed loop. Target: ≥ 300 reports/s with p99 < 200 ms.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import report, short_posts  # noqa: E402
from vimon.portal.pow import solve  # noqa: E402

N_REPORTS = int(os.environ.get("BENCH_REPORTS", "4000"))
N_HEALTH = int(os.environ.get("BENCH_HEALTHZ", "4000"))
CONNS = int(os.environ.get("BENCH_CONNS", "8"))
POW_BITS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _request(reader, writer, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for ln in lines[1:]:
        if ":" in ln:
            k, v = ln.split(":", 1)
            headers.setdefault(k.strip().lower(), v.strip())
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers


def _get(path: str, cookie: str = "") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode()


def _post(path: str, body: bytes, cookie: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            f"Cookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _run(port: int, requests: list[bytes]) -> tuple[float, list[float], int]:
    lat: list[float] = []
    errors = 0
    queue = list(reversed(requests))

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while queue:
            raw = queue.pop()
            t0 = time.perf_counter()
            status, _, _ = await _request(reader, writer, raw)
            lat.append(time.perf_counter() - t0)
            errors += status >= 400
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONNS)))
    return time.perf_counter() - t0, lat, errors


async def _prepare(port: int, n: int) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    _, _, headers = await _request(reader, writer, _get("/report"))
    cookie = headers["set-cookie"].split(";", 1)[0]
    _, body, _ = await _request(reader, writer, _get("/report", cookie))
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    posts = short_posts(n, seed=11)
    out = []
    for i in range(n):
        _, body, _ = await _request(reader, writer, _get("/report/challenge", cookie))
        ch = re.search(rb'"challenge":"([^"]+)"', body).group(1).decode()
        form = {"csrf": csrf, "challenge": ch, "counter": solve(ch, POW_BITS), "category": "tin_sai",
                "text": posts[i]["text"], "description": "Phản ánh thử tải"}
        if i % 5 == 0:
            form["url"] = f"https://www.facebook.com/nhom-{i % 50}/posts/{i % 200}"
        if i % 7 == 0:
            form.update(contact=f"09123456{i % 100:02d}", consent="1")
        out.append(_post("/report", urlencode(form).encode(), cookie))
    writer.close()
    return out


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="vimon-bench-report-"))
    port = _free_port()
    env = {**os.environ, "VIMON_HOME": str(home), "VIMON_CONFIG": str(home / "none.toml"),
           "VIMON_ENVIRONMENT": "test", "VIMON_REPORT_POW_BITS": str(POW_BITS),
           # rate limiter configured for a load test: one client sends everything
           "VIMON_REPORT_RATE_PER_IP_HOUR": "100000000",
           "VIMON_REPORT_RATE_PER_NETWORK_HOUR": "100000000"}
    server = subprocess.Popen([sys.executable, "-m", "vimon.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        requests = asyncio.run(_prepare(port, N_REPORTS))
        asyncio.run(_run(port, [_get("/healthz")] * 200))  # warm up
        h_s, h_lat, h_err = asyncio.run(_run(port, [_get("/healthz")] * N_HEALTH))
        r_s, r_lat, r_err = asyncio.run(_run(port, requests))
    finally:
        server.terminate()
        server.wait(timeout=20)
    h_rps, r_rps = N_HEALTH / h_s, N_REPORTS / r_s
    ok = r_rps >= 300 and _pct(r_lat, 0.99) < 200 and r_err == 0
    report("report_endpoint", {
        "reports": N_REPORTS, "conns": CONNS, "reports_per_s": f"{r_rps:.0f}",
        "p50_ms": f"{_pct(r_lat, 0.5):.1f}", "p99_ms": f"{_pct(r_lat, 0.99):.1f}", "errors": r_err,
        "healthz_per_s": f"{h_rps:.0f}", "healthz_p99_ms": f"{_pct(h_lat, 0.99):.1f}",
        "healthz_errors": h_err, "ratio_to_healthz": f"{r_rps / h_rps:.2f}",
        "target_300rps_p99_200ms": "met" if ok else "MISSED"})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
