"""Evidence bundles: export an item's snapshots, verify them, detect tampering."""

from __future__ import annotations

import json
import zipfile

from typer.testing import CliRunner


def _collected(site, csettings, store):  # type: ignore[no-untyped-def]
    from vimon.collect.scheduler import collect_once
    from vimon.collect.sources import add_source

    site.articles["/bai/bai-can-luu-bang-chung-800001.html"] = "Bài cần lưu bằng chứng"
    from tests.collect import server

    @site.route("/rss.xml")
    def rss(h, q):  # type: ignore[no-untyped-def]
        body = server.fixture("rss.xml").replace("{items}", server.rss_items(
            site.base, [("/bai/bai-can-luu-bang-chung-800001.html", "Bài cần lưu bằng chứng")]))
        h.send(200, body.replace("{base}", site.base).encode(), "application/rss+xml")

    add_source(store, site.base + "/rss.xml", key="bao-mau")
    assert collect_once(store, csettings)[0].ok
    rows, _ = store.list_items(source="bao-mau", limit=10)
    return next(r for r in rows if r["external_id"].endswith("800001.html"))


def test_export_and_verify_bundle(site, csettings, sqlite_store, tmp_path):
    from vimon.collect.evidence import export_item, verify_zip

    item = _collected(site, csettings, sqlite_store)
    path, manifest = export_item(sqlite_store, item["id"], tmp_path / "b.zip")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        meta = json.loads(z.read("metadata.json"))
    kinds = {s["kind"] for s in meta["snapshots"]}
    assert kinds == {"feed", "page"}  # seen in the feed and on its own page
    page = next(s for s in meta["snapshots"] if s["kind"] == "page")
    assert page["status"] == 200 and page["url"].endswith("800001.html") and page["fetched_at_utc"]
    assert {"metadata.json", "item.txt", "manifest.json", "manifest.sha256"} <= names
    rep = verify_zip(path, sqlite_store)
    assert rep.ok and rep.checked == len(manifest["files"]), rep.problems

    # Tamper with the page snapshot: verification fails and names the file.
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, "w") as dst:
        for n in src.namelist():
            data = src.read(n)
            if n == page["file"]:
                data = data.replace("Bài cần lưu".encode(), "Bài đã sửa".encode())
            dst.writestr(n, data)
    rep = verify_zip(bad)
    assert not rep.ok and any(page["file"] in p for p in rep.problems)


def test_cli_export_verify(site, csettings, sqlite_store, tmp_path, monkeypatch):
    from vimon.cli import app

    item = _collected(site, csettings, sqlite_store)
    monkeypatch.setenv("VIMON_DATABASE_URL", sqlite_store.url)
    from vimon.settings import reset_settings

    reset_settings()
    runner = CliRunner()
    out = tmp_path / "e.zip"
    r = runner.invoke(app, ["evidence", "export", str(item["id"]), "-o", str(out)])
    assert r.exit_code == 0 and out.is_file(), r.output
    r = runner.invoke(app, ["evidence", "verify", str(out), "--db"])
    assert r.exit_code == 0 and "HỢP LỆ" in r.output
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    r = runner.invoke(app, ["evidence", "verify", str(tmp_path / "junk.zip")])
    assert r.exit_code == 1
