"""The query language parser: precedence, quoting, escapes, diacritics, fields, dates, errors,
and a hypothesis fuzz: any text either parses or raises a clean QuerySyntaxError."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vimon.store.querylang import QuerySyntaxError, describe, parse


def d(q: str, **kw) -> str:
    return describe(parse(q, **kw).root)


@pytest.mark.parametrize(("query", "tree"), [
    ("a b", "(a AND b)"),
    ("a OR b c", "(a OR (b AND c))"),
    ("a b OR c", "((a AND b) OR c)"),
    ("a OR b AND NOT c", "(a OR (b AND NOT c))"),
    ("NOT a OR b", "(NOT a OR b)"),
    ("NOT (a OR b)", "NOT (a OR b)"),
    ("-a b", "(NOT a AND b)"),
    ("a -b", "(a AND NOT b)"),
    ("a-b", '"a b"'),
    ("(a OR b) (c OR d)", "((a OR b) AND (c OR d))"),
    ("a VÀ b HOẶC KHÔNG c", "((a AND b) OR NOT c)"),
    ("và hoặc không", "(va AND hoac AND khong)"),  # lower case: ordinary words
    ("a and b or not c", "(a AND and AND b AND or AND not AND c)"),
    ("a NEAR b", "NEAR/10(a b)"),
    ("a NEAR/3 b NEAR/3 c", "NEAR/3(a b c)"),
    ('"hà nội" NEAR/2 ngập', 'NEAR/2("ha noi" ngap)'),
    ("x NEAR/2 y OR z", "(NEAR/2(x y) OR z)"),
    ("ngập*", "ngap*"),
    ("Đ?ng", "d?ng"),
])
def test_precedence_and_structure(query, tree):
    assert d(query) == tree


def test_quoting_and_escapes():
    assert d('"a \\"quoted\\" word"') == '"a quoted word"'
    assert d('"OR AND NOT"') == '"or and not"'  # operators are words inside quotes
    assert d("\\OR") == "or"  # an escaped operator is a word
    assert d("a\\ b") == '"a b"'
    assert d("hà\\:nội") == '"ha noi"'  # escaped colon: not a field
    assert d('source:"a b"') == "source:a b"
    assert d("Source:X") == "source:X"


def test_diacritics_fold_and_tone_marks():
    assert d("Hà Nội") == d("ha noi") == d("HÀ NỘI") == "(ha AND noi)"
    assert d("hoà") == d("hòa") == "hoa"
    q = parse("Hoà Bình", exact=True)
    assert q.exact and q.terms == ["Hòa", "Bình"]  # normalized to one tone style


def test_fields_and_vietnamese_field_names():
    assert d("nguồn:abc loại:post") == "(source:abc AND kind:post)"
    assert d("chủđề:y-te") == "topic:y-te"
    assert d("source:bao-*") == "source:bao-*(*)"
    assert d("label:toxicity:offensive") == "label:toxicity:offensive"


def test_dates_are_hanoi_days():
    r = parse("date:2026-11-20").root
    assert (r.start, r.end) == (datetime(2026, 11, 19, 17), datetime(2026, 11, 20, 17))
    r = parse("date:2026-11-01..2026-11-30").root
    assert (r.start, r.end) == (datetime(2026, 10, 31, 17), datetime(2026, 11, 30, 17))
    r = parse("date:>=2026-12").root
    assert r.start == datetime(2026, 11, 30, 17) and r.end is None
    r = parse("date:7d", now=datetime(2026, 11, 24)).root
    assert r.start == datetime(2026, 11, 17) and r.end is None


@pytest.mark.parametrize(("query", "pos", "fragment"), [
    ("a (b", 2, "')'"),
    ("a )", 2, "')'"),
    ("(a OR b", 0, "')'"),
    ('"abc', 0, "ngoặc kép"),
    ('a "b', 2, "ngoặc kép"),
    ("OR a", 0, "vế trái"),
    ("a AND", 2, "vế phải"),
    ("a OR OR b", 2, "vế phải"),
    ("NOT", 0, "thiếu vế"),
    ("a NOT", 2, "thiếu vế"),
    ("()", 0, "rỗng"),
    ('""', 0, "rỗng"),
    ("foo:bar", 0, "foo"),
    ("http://x.vn", 0, "http"),
    ("source:", 7, "giá trị"),
    ("date:2026-13", 0, "ngày"),
    ("date:2026-11-20..2026-11-01", 0, "ngày"),
    ("a NEAR/3", 2, "NEAR"),
    ("NEAR/3 a", 0, "NEAR"),
    ("(a OR b) NEAR c", 0, "NEAR"),
    ("a NEAR/999 b", 2, "NEAR"),
    ("a NEAR/2 b NEAR/3 c", 11, "NEAR"),
    ("*", 0, "đại diện"),
])
def test_errors_point_at_the_position(query, pos, fragment):
    with pytest.raises(QuerySyntaxError) as err:
        parse(query)
    assert err.value.position == pos, err.value.pointer()
    assert fragment in err.value.detail
    assert err.value.pointer().splitlines()[1] == " " * pos + "^"
    assert err.value.code == "VM-QRY-001"


def test_depth_and_length_limits():
    with pytest.raises(QuerySyntaxError):
        parse("(" * 100 + "a" + ")" * 100)
    with pytest.raises(QuerySyntaxError):
        parse("a " * 2000)
    assert d("(" * 10 + "a" + ")" * 10) == "a"


ALPHABET = st.sampled_from(list('abcđĐàẢ ()"\\*?-:/') + ["AND ", "OR ", "NOT ", "NEAR/", "HOẶC ",
                                                         "source:", "date:", "2026-11", "..",
                                                         " ", "\t", "\n", "1", "99999"])


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(ALPHABET, max_size=25).map("".join)))
def test_fuzz_parse_only_raises_syntax_errors(text):
    try:
        q = parse(text)
    except QuerySyntaxError as err:
        assert 0 <= err.position <= len(text)
        return
    describe(q.root)


@settings(max_examples=300, deadline=None)
@given(st.lists(ALPHABET, max_size=20).map("".join))
def test_fuzz_compiled_sql_always_runs_on_sqlite(sqlite_store_module, text):
    """What parses also compiles and executes: FTS5 never sees a malformed MATCH."""
    try:
        q = parse(text)
    except QuerySyntaxError:
        return
    sqlite_store_module.search_items(q, limit=1)


@pytest.fixture(scope="module")
def sqlite_store_module(tmp_path_factory):
    from vimon.store import open_store

    s = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'f.sqlite'}")
    yield s
    s.close()
