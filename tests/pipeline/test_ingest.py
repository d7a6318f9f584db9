"""Ingest through the real pipeline on both databases: idempotence, rejects, formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vimon.pipeline.ingest import ingest_paths


def good_rows(n: int) -> list[dict]:
    return [
        {"id": f"g{i}", "source": f"nguon-{i % 7}", "kind": ["post", "comment", "article"][i % 3],
         "text": f"Người dân phường {i % 13} phản ánh việc thu gom rác chậm, mã phản ánh {i} "
                 f"đã được chuyển tới UBND để xử lý trong tuần {i % 5}.",
         "published_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:15:00+07:00",
         "metrics": {"likes": i % 50, "shares": i % 9}}
        for i in range(n)
    ]


def bad_lines(settings) -> list[tuple[str, str]]:
    """50 bad lines with the reason code each must get."""
    out: list[tuple[str, str]] = []
    for i in range(10):
        out.append(('{"id": "b' + str(i) + '", "text": "thiếu ngoặc"', "bad_json"))
    for i in range(10):
        out.append((json.dumps({"id": f"m{i}", "title": "không có text"}), "missing_text"))
    for i in range(10):
        bad = [{"text": 123}, {"text": "ok", "metrics": {"likes": "nhiều"}}, {"text": "ok", "kind": "tweet"},
               {"text": "ok", "followers": -5}, {"text": "ok", "extra": [1, 2]}][i % 5]
        out.append((json.dumps({"id": f"t{i}", **bad}), "wrong_type"))
    for i in range(10):
        out.append((json.dumps({"id": f"d{i}", "text": "ngày sai", "published_at": ["2026-13-45", "hôm qua"][i % 2]}),
                    "invalid_date"))
    for i in range(9):
        out.append(("[1, 2, 3]" if i % 3 == 0 else '"chỉ là chuỗi"' if i % 3 == 1 else "null", "not_object"))
    out.append((json.dumps({"id": "huge", "text": "a" * (20 * 1024 * 1024)}), "text_too_long"))
    assert len(out) == 50
    return out


def test_1000_good_50_bad(store, settings, tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    bad = bad_lines(settings)
    with path.open("w", encoding="utf-8") as f:
        goods = good_rows(1000)
        for i, row in enumerate(goods):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            if i % 20 == 0 and bad:
                f.write(bad.pop()[0] + "\n")
        for line, _ in bad:
            f.write(line + "\n")
    res = ingest_paths(store, settings, [str(path)])
    assert (res.new, res.duplicate) == (1000, 0)
    # "[1, 2, 3]" lines expand into 3 rows each, every one rejected as not_object.
    expected = {"bad_json": 10, "missing_text": 10, "wrong_type": 10, "invalid_date": 10,
                "not_object": 3 * 3 + 3 + 3, "text_too_long": 1}
    assert dict(res.reasons) == expected
    assert store.count_items() == 1000
    rows, total = store.list_quarantine(limit=100)
    assert total == res.rejected == sum(expected.values())
    assert all(r["reason"] and r["origin"] == "mixed.jsonl" and r["line"] for r in rows)
    huge = next(r for r in rows if r["reason_code"] == "text_too_long")
    assert huge["truncated"] and huge["raw_bytes"] > 20 * 1024 * 1024
    bad_json = next(r for r in rows if r["reason_code"] == "bad_json")
    assert f"line {bad_json['line']}" in bad_json["reason"]

    again = ingest_paths(store, settings, [str(path)])
    assert (again.new, again.duplicate) == (0, 1000)
    assert store.count_items() == 1000


def test_csv_with_bad_rows(store, settings, tmp_path: Path):
    path = tmp_path / "items.csv"
    path.write_text(
        "id,source,text,published_at,metrics\n"
        '1,bao-x,"Tin một, có dấu phẩy",2026-11-01T10:00:00,"{""likes"": 5}"\n'
        "2,bao-x,,2026-11-01T10:00:00,\n"
        "3,bao-x,Tin ba,không phải ngày,\n"
        "4,bao-x,Tin bốn,2026-11-02,{}\n"
        "5,bao-x,thừa cột,2026-11-02,,extra\n",
        encoding="utf-8",
    )
    res = ingest_paths(store, settings, [str(path)])
    assert res.new == 2
    assert dict(res.reasons) == {"missing_text": 1, "invalid_date": 1, "bad_csv": 1}
    items, _ = store.list_items()
    first = next(i for i in items if i["external_id"] == "1")
    assert first["metrics"] == {"likes": 5}


def test_csv_without_text_column_is_an_error(store, settings, tmp_path: Path):
    from vimon.errors import InputError

    path = tmp_path / "x.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        ingest_paths(store, settings, [str(path)])
    assert "text" in exc.value.message


def test_missing_file_among_good_ones_is_quarantined(sqlite_store, settings, tmp_path: Path):
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps({"text": "xin chào Hà Nội"}) + "\n", encoding="utf-8")
    res = ingest_paths(sqlite_store, settings, [str(good), str(tmp_path / "nope.jsonl")])
    assert res.new == 1 and res.reasons["bad_file"] == 1


def test_overlong_line_is_skipped_and_the_next_line_read(sqlite_store, settings, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(settings, "max_row_bytes", 1000)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"text": "b" * 5000}) + "\n" + json.dumps({"text": "dòng sau vẫn đọc"}) + "\n",
                    encoding="utf-8")
    res = ingest_paths(sqlite_store, settings, [str(path)])
    assert res.new == 1 and res.reasons == {"row_too_large": 1}


def test_invalid_utf8_line(sqlite_store, settings, tmp_path: Path):
    path = tmp_path / "enc.jsonl"
    path.write_bytes(b'{"text": "\xff\xfe h\xe0 n\xf4i"}\n{"text": "hop le"}\n')
    res = ingest_paths(sqlite_store, settings, [str(path)])
    assert res.new == 1 and sum(res.reasons.values()) == 1
    assert set(res.reasons) <= {"bad_encoding", "bad_json"}


def test_nul_characters_are_replaced_not_fatal(store, settings):
    from tests.helpers import run_rows

    res = run_rows(store, settings, [{"id": "n\x00", "source": "a", "text": "trước\x00sau", "title": "t\x00"}])
    assert res.new == 1
    items, _ = store.list_items()
    got = store.get_item(items[0]["id"])
    assert got["text"] == "trước\ufffdsau" and got["external_id"] == "n\ufffd"
