"""The command line as a user runs it: real processes, real files, real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def vimon(*args: str, home: Path, stdin: str | None = None, timeout: int = 120,
          extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "VIMON_HOME": str(home), "VIMON_CONFIG": str(home / "none.toml"),
           **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "vimon.cli", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_ingest_json_summary_is_last_line_and_idempotent(tmp_path: Path):
    f = tmp_path / "in.jsonl"
    f.write_text(
        "\n".join([json.dumps({"id": "1", "source": "a", "text": "Tin thứ nhất về Hà Nội"}),
                   "{not json", json.dumps({"id": "2", "source": "a", "text": "Tin thứ hai"})]) + "\n",
        encoding="utf-8")
    r = vimon("ingest", str(f), "--json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"new": 2, "duplicate": 0, "rejected": 1}
    r2 = vimon("ingest", str(f), "--json", home=tmp_path)
    assert json.loads(r2.stdout.strip().splitlines()[-1]) == {"new": 0, "duplicate": 2, "rejected": 1}


def test_ingest_from_stdin(tmp_path: Path):
    r = vimon("ingest", "-", "--json", home=tmp_path, stdin=json.dumps({"text": "từ stdin"}) + "\n")
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[-1])["new"] == 1


def test_unreadable_input_fails_cleanly(tmp_path: Path):
    r = vimon("ingest", str(tmp_path / "missing.jsonl"), home=tmp_path)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr + r.stdout
    assert "missing.jsonl" in r.stderr


def test_search_json(tmp_path: Path):
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"id": "x", "source": "bao", "title": "Đường sắt đô thị",
                             "text": "Tuyến đường sắt đô thị Nhổn – ga Hà Nội chạy thử đoạn ngầm",
                             "url": "https://bao.example.vn/x",
                             "published_at": "2026-11-22T07:00:00"}) + "\n", encoding="utf-8")
    assert vimon("ingest", str(f), home=tmp_path).returncode == 0
    r = vimon("search", "duong sat nhon", "--json", home=tmp_path)
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    assert hits == [{"id": 1, "url": "https://bao.example.vn/x", "title": "Đường sắt đô thị",
                     "source": "bao", "published_at": "2026-11-22T07:00:00+07:00"}]


def test_bad_database_url_is_a_message_not_a_traceback(tmp_path: Path):
    r = vimon("init", home=tmp_path, extra_env={"VIMON_DATABASE_URL": "mysql://nope"})
    assert r.returncode != 0 and "Traceback" not in r.stderr and "VM-DB-001" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback(tmp_path: Path):
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(json.dumps({"text": f"tin số {i}"}) for i in range(7)) + "\n", encoding="utf-8")
    vimon("ingest", str(f), home=tmp_path)
    # Staff pages need a login: an admin and an API token, made with the CLI.
    add = vimon("users", "add", "ops", "--role", "admin", "--password-stdin", home=tmp_path,
                stdin="mat-khau-rat-dai-1\n")
    assert add.returncode == 0, add.stderr
    token = vimon("users", "token", "ops", home=tmp_path).stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    port = _free_port()
    env = {**os.environ, "VIMON_HOME": str(tmp_path), "VIMON_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "vimon.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert "Tổng quan" in httpx.get(f"{base}/", headers=auth).text
        data = httpx.get(f"{base}/api/items", params={"limit": 5}, headers=auth).json()
        assert data["total"] == 7 and len(data["items"]) == 5
        assert httpx.get(f"{base}/static/vimon.css").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_demo_no_serve_reports_counts(tmp_path: Path):
    r = vimon("demo", "--no-serve", home=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for label in ("Tin mới / new items", "Trùng / duplicates", "Cụm nhiều bản / multi-item clusters"):
        assert label in out
    new = int(next(line for line in out.splitlines() if "Tin mới / new items" in line).split("│")[2])
    clusters = int(next(line for line in out.splitlines() if "multi-item clusters" in line).split("│")[2])
    assert new >= 400 and clusters >= 8
    assert (tmp_path / "demo.sqlite").is_file()
