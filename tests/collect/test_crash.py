"""Killing ``vimon collect --loop`` with SIGKILL mid-run and starting it again stores every
item exactly once (no loss, no duplicate)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests.collect import server
from tests.collect.conftest import FAST

ROOT = Path(__file__).resolve().parents[2]
N = 200


def _count(url: str) -> tuple[int, int]:
    eng = sa.create_engine(url)
    try:
        with eng.connect() as c:
            n = c.execute(sa.text("SELECT count(*) FROM items")).scalar_one()
            distinct = c.execute(sa.text("SELECT count(DISTINCT external_id) FROM items")).scalar_one()
        return int(n), int(distinct)
    except sa.exc.OperationalError:
        return 0, 0
    finally:
        eng.dispose()


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "vimon.cli", "collect", "--loop", "--idle", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_sigkill_mid_run_then_restart_stores_each_item_once(site, tmp_path):
    paths = [(f"/bai/tin-so-{i}-ve-ha-noi-{500000 + i}.html", f"Tin số {i} về Hà Nội") for i in range(N)]
    for p, t in paths:
        site.articles[p] = t

    @site.route("/rss.xml")
    def rss(h, q):  # type: ignore[no-untyped-def]
        body = server.fixture("rss.xml").replace("{items}", server.rss_items(site.base, paths))
        h.send(200, body.replace("{base}", site.base).encode(), "application/rss+xml")

    slow_article = server._good_article

    def article(h, q):  # type: ignore[no-untyped-def]
        time.sleep(0.01)  # a little server time so the kill lands mid-run
        slow_article(h, q)

    for p, _ in paths:
        site.routes[p] = article
    db = f"sqlite:///{tmp_path / 'crash.sqlite'}"
    env = {**os.environ, **FAST, "VIMON_DATABASE_URL": db, "VIMON_HOME": str(tmp_path / "home"),
           "VIMON_CONFIG": str(tmp_path / "none.toml"), "VIMON_COLLECT_HOST_CONCURRENCY": "2",
           "VIMON_COLLECT_CONCURRENCY": "4", "VIMON_COLLECT_INTERVAL": "3600",
           "VIMON_COLLECT_EXTRACT_WORKERS": "0"}
    from vimon.collect.sources import add_source
    from vimon.store import open_store

    store = open_store(db)
    add_source(store, site.base + "/rss.xml", key="bao-mau", kind="e-newspaper")
    store.close()

    proc = _start(env)
    deadline = time.monotonic() + 40
    try:
        while time.monotonic() < deadline:
            n, _ = _count(db)
            if n >= 40:
                break
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at, _ = _count(db)
    assert 0 < killed_at < N + 1, f"kill did not land mid-run ({killed_at})"

    proc = _start(env)  # the lease of the dead process is taken over at once
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and _count(db)[0] < N + 1:
            time.sleep(0.1)
        time.sleep(0.5)  # anything duplicated would show up now
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    n, distinct = _count(db)
    assert n == N + 1 and distinct == N + 1, (killed_at, n, distinct)
