"""`vimon search` speaks the query language: JSON lines, clean syntax errors with a caret;
`vimon watchlists` and `vimon alerts` work from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.search.corpus import ROWS
from tests.test_cli import vimon


def test_search_cli_language_errors_and_watchlists(tmp_path: Path):
    data = tmp_path / "c.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS), encoding="utf-8")
    env = {"VIMON_CLASSIFY_ON_INGEST": "0"}
    assert vimon("ingest", str(data), home=tmp_path, extra_env=env).returncode == 0
    r = vimon("search", "mưa NOT ngập", "--json", home=tmp_path)
    hits = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 0 and [h["source"] for h in hits] == ["hoi-phu-huynh"]
    assert set(hits[0]) == {"id", "url", "title", "source", "published_at"}
    r = vimon("search", "hòa", "--exact", "--json", home=tmp_path)
    assert len(r.stdout.splitlines()) == 1
    r = vimon("search", "ngập AND (mưa", home=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "ngập AND (mưa\n         ^" in r.stderr
    r = vimon("watchlists", "add", "Giả danh", "--query", '"giả danh"', "--action", "review",
              home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert vimon("trends", "rebuild", home=tmp_path).returncode == 0
    r = vimon("watchlists", "list", "--json", home=tmp_path)
    assert json.loads(r.stdout.splitlines()[0])["matches"] == 1
    r = vimon("watchlists", "add", "Sai", "--query", "a OR", home=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    r = vimon("alerts", "run", home=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[-1])["recorded"] >= 0
