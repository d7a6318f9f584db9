"""Collection status page, sources admin page (HTML + JSON twin), file drops, CLI sources."""

from __future__ import annotations

import json
import os
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner


def _client(store, settings):  # type: ignore[no-untyped-def]
    from vimon.web.views import collect

    app = FastAPI()
    app.state.store = store
    app.state.settings = settings
    app.include_router(collect.router)
    return TestClient(app)


def test_status_and_admin_pages(sqlite_store, settings, monkeypatch):
    monkeypatch.setattr(settings, "api_token", "admin-token-for-tests-123456")
    sid = sqlite_store.upsert_source({"key": "bao-a", "url": "https://bao-a.example.vn/",
                                      "kind": "e-newspaper"})
    sqlite_store.add_collect_events([{"source_id": sid, "code": "no_article", "url": "https://bao-a.example.vn/x",
                                      "detail": "<script>alert(1)</script>"}])
    c = _client(sqlite_store, settings)
    page = c.get("/collect")
    assert page.status_code == 200 and "bao-a" in page.text and "<script>alert" not in page.text
    data = c.get("/collect.json").json()
    assert data["sources"][0]["key"] == "bao-a" and data["events"][0]["code"] == "no_article"
    form = {"url": "https://tonghop.example.vn/", "kind": "aggregator", "owner": "Công ty ABC",
            "licence": "45/GP-TTĐT", "licence_scope": "aggregator", "feed_urls": "https://tonghop.example.vn/rss",
            "partner": "1", "token": "wrong"}
    assert "Mã quản trị không đúng" in c.post("/collect/sources", data=form).text
    assert sqlite_store.get_source("tonghop.example.vn") is None
    r = c.post("/collect/sources", data={**form, "token": "admin-token-for-tests-123456"})
    assert "Đã lưu nguồn" in r.text
    src = sqlite_store.get_source("tonghop.example.vn")
    assert src["licence_scope"] == "aggregator" and src["partner"] is True
    assert src["feed_urls"] == ["https://tonghop.example.vn/rss"]
    bad = c.post("/collect/sources", data={**form, "token": "admin-token-for-tests-123456",
                                           "licence_scope": "radio"})
    assert "licence_scope" in bad.text
    assert c.get("/collect/sources.json").json()["kinds"]


def test_file_drop_is_ingested_once_and_moved(sqlite_store, settings, tmp_path, monkeypatch):
    from vimon.collect.connectors.files import collect_drops, drop_dir

    folder = drop_dir(settings)
    folder.mkdir(parents=True)
    f = folder / "xuat-tu-doi-tac.jsonl"
    f.write_text("\n".join(json.dumps({"id": str(i), "source": "doi-tac", "text": f"Bài đăng số {i} của đối tác"},
                                      ensure_ascii=False) for i in range(3)) + "\n{hỏng\n", encoding="utf-8")
    old = time.time() - 10
    os.utime(f, (old, old))
    run = collect_drops(sqlite_store, settings)
    assert run.new == 3 and run.rejected == 1 and not f.exists()
    assert len(list((folder / "done").iterdir())) == 1
    item = sqlite_store.list_items(source="doi-tac")[0][0]
    assert sqlite_store.evidence_for_item(item["id"])[0]["kind"] == "file"
    assert collect_drops(sqlite_store, settings) is None  # nothing left to do


def test_cli_sources_add_and_import(tmp_path, monkeypatch):
    from pathlib import Path

    from vimon.cli import app

    r = CliRunner().invoke(app, ["sources", "add", "https://hanoimoi.example.vn/", "--kind", "e-newspaper",
                                 "--feed", "https://hanoimoi.example.vn/rss/a.rss", "--owner", "Thành ủy",
                                 "--licence-scope", "press", "--partner", "--tag", "thời sự",
                                 "--interval", "600"])
    assert r.exit_code == 0, r.output
    fixture = Path(__file__).parent / "fixtures" / "sources.csv"
    r = CliRunner().invoke(app, ["sources", "import", str(fixture)])
    assert r.exit_code == 0 and "3" in r.output and "line 5" in r.output
    r = CliRunner().invoke(app, ["sources", "list", "--json"])
    keys = {json.loads(line)["key"] for line in r.output.splitlines() if line.startswith("{")}
    assert {"hanoimoi", "tonghop", "pxphucxa"} <= keys
