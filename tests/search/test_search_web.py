"""Search page, its JSON twin, exports and /api/search; dashboards, trends, watchlists and
alert pages render with their .json twins (signed in as an analyst)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.helpers import run_rows, staff_session
from tests.search.corpus import ROWS


@pytest.fixture
def client(sqlite_store, settings):
    from vimon.web.app import create_app

    run_rows(sqlite_store, settings.model_copy(update={"classify_on_ingest": False}), ROWS)
    c = TestClient(create_app(sqlite_store, settings))
    c.cookies.set("vimon_session", staff_session(sqlite_store, settings, "analyst"))
    return c


def test_search_page_highlights_and_facets(client):
    r = client.get("/search", params={"q": "ngập"})
    assert r.status_code == 200
    assert "<mark>Ngập</mark>" in r.text or "<mark>ngập</mark>" in r.text
    j = client.get("/search.json", params={"q": "ngập", "sort": "reach"}).json()
    assert j["total"] == 4 and j["results"][0]["source"] == "kenh-ha-noi"
    assert any(s["hit"] for s in j["results"][0]["snippet"])
    assert {f["key"] for f in j["facets"]["source"]} == {"tin-thu-do", "cu-dan-dong-da",
                                                         "kenh-ha-noi"}


def test_search_syntax_error_is_shown_with_position(client):
    r = client.get("/search", params={"q": "ngập AND (mưa"})
    assert r.status_code == 200 and "Lỗi cú pháp" in r.text and "^" in r.text
    j = client.get("/search.json", params={"q": "ngập AND (mưa"}).json()
    assert j["error"]["position"] == 9
    api = client.get("/api/search", params={"q": "a OR"})
    assert api.status_code == 400


def test_api_search_and_hostile_text_is_escaped(client):
    j = client.get("/api/search", params={"q": "source:cu-dan-dong-da", "facets": "true"}).json()
    assert j["total"] == 3 and "facets" in j
    r = client.get("/search", params={"q": '<script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in r.text


def test_exports_csv_and_xlsx(client):
    r = client.get("/search.csv", params={"q": "mưa", "sort": "time"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][0] == "id" and len(rows) == 1 + 4
    x = client.get("/search.xlsx", params={"q": "mưa"})
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws.cell(row=2, column=1).value == "id" and ws.max_row == 2 + 4


@pytest.mark.parametrize("path", ["/dashboard", "/trends", "/issues", "/alerts", "/watchlists",
                                  "/trends?dim=topic&key=thoi-tiet"])
def test_analysis_pages_and_json_twins(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    base, _, qs = path.partition("?")
    j = client.get(base + ".json" + ("?" + qs if qs else ""))
    assert j.status_code == 200 and isinstance(j.json(), dict)


def test_watchlist_form_validates_and_saves(client, sqlite_store):
    page = client.get("/watchlists")
    import re

    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post("/watchlists", data={"csrf": token, "name": "Ngập", "query": "ngập AND (",
                                         "action": "tag"})
    assert 'role="alert"' in r.text and "đột ngột" in r.text and "^" in r.text
    r = client.post("/watchlists", data={"csrf": token, "name": "Ngập úng", "query": '"ngập úng"',
                                         "action": "review"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert sqlite_store.get_watchlist("ngap-ung")["action"] == "review"


def test_totals_past_the_count_cap_say_at_least(client, monkeypatch):
    from vimon.web.views import search as search_views

    j = client.get("/api/search", params={"q": "source:cu-dan-dong-da"}).json()
    assert j["total"] == 3 and j["total_exact"] is True
    monkeypatch.setattr(search_views, "COUNT_CAP", 2)
    j = client.get("/api/search", params={"q": "source:cu-dan-dong-da"}).json()
    assert j["total"] == 2 and j["total_exact"] is False and len(j["items"]) == 3
    page = client.get("/search", params={"q": "source:cu-dan-dong-da"}).text
    assert "Ít nhất 2 kết quả" in page
