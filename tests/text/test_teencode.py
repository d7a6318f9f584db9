"""expand_teencode: the dictionary and the safety rules."""

from __future__ import annotations

import re

import pytest

from vimon.text import TEENCODE, expand_teencode, normalize
from vimon.text.teencode import ENTRIES


def test_dictionary_size_and_shape() -> None:
    assert len(TEENCODE) >= 300
    for short, expansion in TEENCODE.items():
        assert short == short.lower() and " " not in short, short
        assert not re.search(r"\d", short), short  # digit tokens are numbers, never shorthand
        assert expansion and expansion != short


def test_expansions_are_canonical_and_contain_no_short_forms() -> None:
    # Needed for normalize(teencode=True) to be idempotent.
    for short, expansion in TEENCODE.items():
        assert normalize(expansion) == expansion, short
        for word in re.findall(r"[^\W\d_]+", expansion):
            assert word.lower() not in TEENCODE, (short, word)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ko biết", "không biết"),
        ("mình hok bít", "mình không bít"),
        ("đi hok", "đi hok"),  # "đi học"
        ("dc rồi", "được rồi"),
        ("đc ko", "được không"),
        ("đi vs mk", "đi với mình"),
        ("làm j vậy", "làm gì vậy"),
        ("ăn r", "ăn rồi"),
        ("cx được", "cũng được"),
        ("ntn hả", "như thế nào hả"),
        ("trc đây", "trước đây"),
        ("ck mình đi làm", "chồng mình đi làm"),
        ("vk mình nấu", "vợ mình nấu"),
        ("Ko biết", "Không biết"),  # sentence case kept
        ("KO BIẾT", "KHÔNG BIẾT"),
        ("khum đâu", "không đâu"),
        ("giá bn?", "giá bao nhiêu?"),
        ("bn tiền vậy?", "bao nhiêu tiền vậy?"),
        ("UBND quận", "Ủy ban nhân dân quận"),
        ("ubnd phường", "Ủy ban nhân dân phường"),
    ],
)
def test_expansions(text: str, expected: str) -> None:
    assert expand_teencode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://ko.vn/dc?ko=1",
        "www.dc.com/ko",
        "xem vnexpress.net/ko-dc nhé",
        "gửi ko@gmail.com",
        "@ko @dc",
        "#ko #dc",
        "giá 50k",
        "5kg gạo",
        "vitamin K",  # capital: not the shorthand
        "CK 20%",  # chứng khoán, in capitals
        "ko-dc",
        "ko_dc",
        "ko/dc",
        "k",  # a lone letter has no sentence around it
    ],
)
def test_protected_contexts_untouched(text: str) -> None:
    # "ko-dc" etc.: glued tokens are compounds or identifiers, not shorthand.
    assert expand_teencode(text) == text


def test_k_rules() -> None:
    assert expand_teencode("k biết") == "không biết"
    assert expand_teencode("mình k đi") == "mình không đi"
    assert expand_teencode("giá 50 k thôi") == "giá 50 k thôi"  # 50 nghìn
    assert expand_teencode("50k") == "50k"
    assert expand_teencode("còn 2 k đồng") == "còn 2 k đồng"
    assert expand_teencode("xong, k biết") == "xong, không biết"


def test_ambiguous_rules() -> None:
    assert expand_teencode("đau hông quá") == "đau hông quá"  # the hip
    assert expand_teencode("mình hông biết") == "mình không biết"
    assert expand_teencode("ck tiền trước nhé") == "ck tiền trước nhé"  # bank transfer
    assert expand_teencode("bn ơi cho hỏi?") == "bn ơi cho hỏi?"  # "bạn ơi"
    assert expand_teencode("bn đã ăn chưa") == "bn đã ăn chưa"  # not a question about price
    assert expand_teencode("r") == "r"
    assert expand_teencode("đi r nhé") == "đi rồi nhé"
    assert expand_teencode("X = r + 1") == "X = r + 1"  # no word before r


def test_unknown_context_tag_fails_loudly(tmp_path) -> None:
    from vimon.text.teencode import load

    bad = tmp_path / "t.tsv"
    bad.write_text("short\texpansion\tnote\nko\tkhông\t[sometimes]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown context tag"):
        load(bad)


def test_entries_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        TEENCODE["ko"] = "x"  # type: ignore[index]
    assert ENTRIES["k"].tags >= {"lower", "not-after-number"}


def test_mixed_case_and_query_strings() -> None:
    assert expand_teencode("kO biết") == "Không biết"
    assert expand_teencode("xem x.vn/?ko=1 nhé") == "xem x.vn/?ko=1 nhé"
    assert expand_teencode("nguyen.ko@gmail.com") == "nguyen.ko@gmail.com"
