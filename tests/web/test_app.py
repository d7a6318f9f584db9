"""Web UI and API through FastAPI's test client (real app, real database)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.helpers import OTHER, STORY, STORY_REWRITE, run_rows, staff_session


@pytest.fixture
def client(store, settings, monkeypatch):
    from vimon.web.app import create_app

    monkeypatch.setattr(settings, "api_token", "t0k3n-for-tests-only-123456")
    run_rows(store, settings, [
        {"id": "1", "source": "bao-a", "kind": "article", "title": "Công viên mới ở Ba Đình",
         "text": STORY, "published_at": "2026-11-20T08:00:00", "url": "https://bao-a.example.vn/1"},
        {"id": "2", "source": "bao-b", "kind": "article", "title": "Khánh thành công viên",
         "text": STORY_REWRITE, "published_at": "2026-11-20T09:00:00"},
        {"id": "3", "source": "nhom-cu-dan", "kind": "post", "text": OTHER,
         "published_at": "2026-11-21T21:00:00"},
        {"id": "4", "source": "nhom-cu-dan", "kind": "comment", "parent_id": "3",
         "text": "<script>alert('xss')</script> ngập quá trời <img src=x onerror=alert(1)>"},
    ])
    store.add_quarantine([__import__("vimon.records", fromlist=["Rejection"]).Rejection(
        "up.jsonl", 7, "bad_json", "bad JSON at line 7", "<b>{oops</b>")])
    c = TestClient(create_app(store, settings))
    c.cookies.set("vimon_session", staff_session(store, settings))  # staff pages need a login
    return c


def test_health_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/api/items" in spec["paths"] and "/api/ingest" in spec["paths"]


def test_dashboard_html_and_json_twin(client):
    page = client.get("/")
    assert page.status_code == 200 and "Tổng quan" in page.text
    assert "Công viên mới ở Ba Đình" in page.text
    data = client.get("/index.json").json()
    assert data["stats"]["items"] == 4
    assert data["stats"]["clusters_multi"] == 1
    assert data["quarantine_total"] == 1


def test_api_items_filters_and_paging(client):
    r = client.get("/api/items", params={"limit": 2}).json()
    assert r["total"] == 4 and len(r["items"]) == 2
    assert r["items"][0]["published_at"].endswith("+07:00")
    assert client.get("/api/items", params={"source": "nhom-cu-dan"}).json()["total"] == 2
    assert client.get("/api/items", params={"kind": "article"}).json()["total"] == 2
    assert client.get("/api/items", params={"q": "cong vien"}).json()["total"] == 2
    assert client.get("/api/items", params={"since": "2026-11-21"}).json()["total"] == 1
    bad = client.get("/api/items", params={"since": "không phải ngày"})
    assert bad.status_code == 422 and "invalid date" in bad.json()["error"]
    assert client.get("/api/items", params={"limit": 0}).status_code == 422


def test_item_detail_shows_cluster(client):
    items = client.get("/api/items", params={"source": "bao-a"}).json()["items"]
    item_id = items[0]["id"]
    detail = client.get(f"/api/items/{item_id}").json()
    assert detail["text"] == STORY and detail["source"] == "bao-a"
    twin = client.get(f"/items/{item_id}.json").json()
    assert [m["source"] for m in twin["cluster_members"]] == ["bao-b"]
    html = client.get(f"/items/{item_id}").text
    assert "bao-b" in html or "Khánh thành công viên" in html
    assert client.get("/api/items/999999").status_code == 404
    missing = client.get("/items/999999")
    assert missing.status_code == 404 and "Không có tin" in missing.text


def test_hostile_text_is_rendered_inert(client):
    items = client.get("/api/items", params={"kind": "comment"}).json()["items"]
    html = client.get(f"/items/{items[0]['id']}").text
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    q = client.get("/quarantine").text
    assert "<b>{oops</b>" not in q and "&lt;b&gt;{oops" in q


def test_quarantine_and_sources_pages(client):
    data = client.get("/quarantine.json").json()
    assert data["total"] == 1 and data["rows"][0]["reason_code"] == "bad_json"
    assert "Dữ liệu bị cách ly" in client.get("/quarantine").text
    keys = [s["key"] for s in client.get("/sources.json").json()["sources"]]
    assert keys == ["bao-a", "bao-b", "nhom-cu-dan"]


def test_items_page_search_and_bad_date(client):
    page = client.get("/items", params={"q": "NGAP", "until": "sai"})
    assert page.status_code == 200 and "Ngày không hợp lệ" in page.text
    twin = client.get("/items.json", params={"q": "ngap"}).json()
    assert twin["total"] == 2


def test_ingest_api_requires_token_and_reports(client, store):
    rows = [{"id": "n1", "source": "api-src", "text": "Tin đẩy qua API"}, {"title": "no text"}]
    assert client.post("/api/ingest", json=rows).status_code == 401
    bad = client.post("/api/ingest", json=rows, headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401
    auth = {"Authorization": "Bearer t0k3n-for-tests-only-123456"}
    ok = client.post("/api/ingest", json=rows, headers=auth).json()
    assert ok == {"new": 1, "duplicate": 0, "rejected": 1, "reasons": {"missing_text": 1}}
    jsonl = "\n".join([json.dumps(rows[0]), "{broken", json.dumps({"text": "dòng ba"})])
    r = client.post("/api/ingest", content=jsonl.encode(), headers=auth).json()
    assert r == {"new": 1, "duplicate": 1, "rejected": 1, "reasons": {"bad_json": 1}}
    assert client.post("/api/ingest", content=b"  ", headers=auth).status_code == 400
    assert client.post("/api/ingest", content=b"[{", headers=auth).status_code == 400


def test_ingest_api_closed_without_configured_token(store, settings):
    from vimon.web.app import create_app

    c = TestClient(create_app(store, settings))
    r = c.post("/api/ingest", json=[{"text": "x"}], headers={"Authorization": "Bearer x"})
    assert r.status_code == 503 and "VIMON_API_TOKEN" in r.json()["error"]


def test_ingest_api_body_limit(client, settings, monkeypatch):
    monkeypatch.setattr(settings, "api_max_body_bytes", 100)
    r = client.post("/api/ingest", content=b"[" + b" " * 200 + b"]",
                    headers={"Authorization": "Bearer t0k3n-for-tests-only-123456"})
    assert r.status_code == 413


def test_unknown_page_is_a_friendly_404(client):
    r = client.get("/khong-co")
    assert r.status_code == 404 and "Không tìm thấy" in r.text


def test_highlight_runs():
    from vimon.web.views.pages import highlight

    assert highlight("abcdef", [[1, 3], [2, 4]]) == [("a", False), ("bcd", True), ("ef", False)]
    assert highlight("abc", None) == [("abc", False)]
    assert highlight("abc", [[-5, 99]]) == [("abc", True)]


def test_nul_in_query_is_a_clear_400(client):
    r = client.get("/api/items", params={"q": "a\x00b"})
    assert r.status_code == 400 and "NUL" in r.json()["error"]


def test_ids_past_64_bits_are_not_found(client):
    for path in ("/api/items/9223372036854775808", "/items/99999999999999999999.json",
                 "/api/items/-9223372036854775809"):
        assert client.get(path).status_code == 404


def test_an_offset_past_64_bits_is_a_clear_422(client):
    """Found by schemathesis on PostgreSQL: OFFSET 2^63 overflowed bigint (a 500)."""
    r = client.get("/api/items", params={"offset": 2**63})
    assert r.status_code == 422 and "offset" in str(r.json())
