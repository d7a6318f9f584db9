"""Collecting with extraction worker processes (which also parse, normalize, sign and
classify the articles) stores the same items as collecting in one process."""

from __future__ import annotations

from tests.collect.server import Handler, article_html, rss_items
from tests.helpers import OTHER, STORY, STORY_REWRITE

BODIES = [STORY, STORY_REWRITE, OTHER,
          "Cảnh báo lừa đảo: kẻ gian giả danh cán bộ phường gọi điện yêu cầu chuyển tiền.",
          "Học sinh Hà Nội đạt nhiều huy chương tại kỳ thi Olympic quốc tế năm nay."]


def _site(site):  # type: ignore[no-untyped-def]
    entries = []
    for i in range(12):
        path = f"/bai/tin-so-{i}-cua-bao-mau-{200100 + i}.html"
        title = f"Tin số {i} của báo mẫu"
        body = BODIES[i % len(BODIES)]
        entries.append((path, title))

        def page(h: Handler, q: dict[str, list[str]], t: str = title, b: str = body) -> None:
            h.send(200, article_html(t, n_paras=2, body=b).encode("utf-8"))

        site.route(path)(page)

    def rss(h: Handler, q: dict[str, list[str]]) -> None:
        from tests.collect.server import fixture

        body = fixture("rss.xml").replace("{items}", rss_items(site.base, entries))
        h.send(200, body.replace("{base}", site.base).encode(), "application/rss+xml")

    site.route("/rss.xml")(rss)
    site.route("/robots.txt")(lambda h, q: h.send(200, b"User-agent: *\n", "text/plain"))


def _collect(site, tmp_path, monkeypatch, workers: int):  # type: ignore[no-untyped-def]
    from vimon.collect.scheduler import collect_once
    from vimon.pipeline import classify

    real = classify._predict_active()
    here: list[str] = []  # texts classified in this process (not in a worker)

    def counting(texts, **kw):  # type: ignore[no-untyped-def]
        here.extend(texts)
        return real(texts, **kw)

    monkeypatch.setattr(classify, "_predict_active", lambda: counting)
    from vimon.collect.sources import add_source
    from vimon.settings import get_settings, reset_settings
    from vimon.store import open_store
    from vimon.store.schema import items

    monkeypatch.setenv("VIMON_CLASSIFY_ON_INGEST", "1")
    monkeypatch.setenv("VIMON_COLLECT_EXTRACT_WORKERS", str(workers))
    reset_settings()
    store = open_store(f"sqlite:///{tmp_path / f'w{workers}.sqlite'}")
    try:
        add_source(store, site.base + "/rss.xml", kind="e-newspaper", key="bao-mau")
        [run] = collect_once(store, get_settings())
        assert run.ok and run.pages == 12 and run.new >= 12, run
        from sqlalchemy import select

        with store.read() as conn:
            rows = conn.execute(select(items.c.id, items.c.external_id, items.c.text,
                                       items.c.folded, items.c.cluster_id)).all()
        return here, {r.external_id: (r.text, r.folded, r.cluster_id,
                                      sorted((lb["task"], lb["label"])
                                             for lb in store.item_labels(r.id)))
                      for r in rows}
    finally:
        store.close()


def test_worker_processes_store_what_one_process_stores(site, csettings, tmp_path, monkeypatch):
    _site(site)
    here_inline, inline = _collect(site, tmp_path, monkeypatch, 0)
    here_pooled, pooled = _collect(site, tmp_path, monkeypatch, 2)
    assert pooled == inline
    assert len(here_inline) >= 12 and len(here_pooled) <= 1  # the workers classified the pages
    assert all({"sentiment", "topic"} <= {t for t, _ in v[3]} for v in inline.values())
    assert len({v[2] for v in inline.values()}) < 12  # the repeated stories share clusters


def test_a_dead_worker_does_not_lose_the_chunk(csettings, monkeypatch):  # type: ignore[no-untyped-def]
    import asyncio
    import os
    import signal

    from tests.collect.server import article_html
    from vimon.collect.connectors.base import RunContext
    from vimon.collect.fetch import Fetcher
    from vimon.collect.scheduler import Collector

    monkeypatch.setenv("VIMON_COLLECT_EXTRACT_WORKERS", "1")
    from vimon.settings import get_settings, reset_settings

    reset_settings()
    col = Collector(None, get_settings())
    try:
        first = col._pool
        assert first is not None
        first.submit(int).result(timeout=60)  # the worker is up
        for proc in list(first._processes.values()):  # type: ignore[attr-defined]
            os.kill(proc.pid, signal.SIGKILL)
        pages = [{"url": f"http://bao.example/bai-{i}.html", "final_url": f"http://bao.example/bai-{i}.html",
                  "charset": "utf-8", "body": article_html(f"Tin {i}", body=BODIES[i % 5]).encode(),
                  "sha256": "0" * 64, "hint": {}} for i in range(10)]
        # The chunk goes through the run's context, as the HTML connector sends it: the
        # dead worker's chunk is extracted in a thread there.
        fetcher = Fetcher(get_settings())
        ctx = RunContext(None, get_settings(), fetcher, {"key": "bao", "id": 1},
                         articles=col._articles)
        out = asyncio.run(ctx.articles(pages))
        assert len(out) == 10 and all("record" in p and p["zbody"] for p in out)
        assert col._pool is not first  # a fresh pool for the next chunks
        again = asyncio.run(ctx.articles(pages))
        assert all(p["record"].prepared for p in again)  # prepared by the new workers
        asyncio.run(fetcher.close())
    finally:
        col.close()


def test_a_dead_worker_hands_its_pages_back_to_the_fetcher(site, csettings, monkeypatch):  # type: ignore[no-untyped-def]
    """Workers that fetch as well (vimon.collect.crawl): when one dies, every page of the
    chunk comes back untried (the main process fetches them), and a fresh pool fetches the
    next chunk itself."""
    import asyncio
    import os
    import signal

    from vimon.collect.scheduler import Collector

    _site(site)
    monkeypatch.setenv("VIMON_COLLECT_EXTRACT_WORKERS", "1")
    from vimon.settings import get_settings, reset_settings

    reset_settings()
    col = Collector(None, get_settings())
    entries = [{"id": i, "url": f"{site.base}/bai/tin-so-{i}-cua-bao-mau-{200100 + i}.html",
                "hint": {}} for i in range(10)]
    try:
        first = col._pool
        assert first is not None
        first.submit(int).result(timeout=60)
        for proc in list(first._processes.values()):  # type: ignore[attr-defined]
            os.kill(proc.pid, signal.SIGKILL)
        out = asyncio.run(col._crawl(entries, "bao", "collector:bao", asyncio.Semaphore(2), 2))
        assert out == [None] * 10
        assert col._pool is not first
        again = asyncio.run(col._crawl(entries, "bao", "collector:bao", asyncio.Semaphore(2), 2))
        assert all(r is not None and r["res"].ok and r["record"].prepared for r in again)
        assert [r["res"].url for r in again] == [e["url"] for e in entries]  # in order
    finally:
        col.close()


def _worker_view() -> tuple[str | None, str, str]:
    import os

    from vimon.settings import get_settings

    return os.environ.get("VIMON_HOME"), os.getcwd(), str(get_settings().home)


def test_workers_take_the_collectors_environment(csettings, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """Workers forked from the fork server (started by an earlier collector, with that
    process's environment then) read this collector's settings and model registry."""
    from vimon.collect.scheduler import Collector
    from vimon.settings import get_settings, reset_settings

    monkeypatch.setenv("VIMON_COLLECT_EXTRACT_WORKERS", "1")
    views = []
    for name in ("mot", "hai"):
        home = tmp_path / name
        home.mkdir()
        monkeypatch.setenv("VIMON_HOME", str(home))
        monkeypatch.chdir(home)
        reset_settings()
        col = Collector(None, get_settings())
        try:
            assert col._pool is not None
            views.append(col._pool.submit(_worker_view).result(timeout=120))
        finally:
            col.close()
    assert views == [(str(tmp_path / n), str(tmp_path / n), str(tmp_path / n))
                     for n in ("mot", "hai")]


_KILLED_COLLECTOR = """
import os, signal
from vimon.collect.scheduler import Collector
from vimon.settings import get_settings
if __name__ == "__main__":
    col = Collector(None, get_settings())
    col._pool.submit(int).result(timeout=120)
    print(" ".join(str(p.pid) for p in col._pool._processes.values()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_workers_end_when_the_collector_is_killed(csettings, tmp_path):  # type: ignore[no-untyped-def]
    """SIGKILL of ``vimon collect`` leaves no worker behind waiting for tasks forever."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import pytest

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    script = tmp_path / "killed.py"
    script.write_text(_KILLED_COLLECTOR)
    env = {**os.environ, "VIMON_COLLECT_EXTRACT_WORKERS": "2",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    # Its workers would inherit pipes to read to the end: a file for what it prints.
    with (tmp_path / "out.txt").open("w+") as out:
        proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
        assert proc.wait(timeout=180) == -9
        out.seek(0)
        printed = out.read()
    pids = [int(p) for p in printed.split()[:2]]
    assert len(pids) == 2, printed
    deadline = time.monotonic() + 30
    while any(map(_running, pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(_running, pids))
