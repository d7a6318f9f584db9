"""fold: lowercase, no diacritics, đ → d."""

from __future__ import annotations

import unicodedata

import pytest

from vimon.text import fold
from vimon.text.tones import VI_LETTERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hà Nội", "ha noi"),
        ("Đống Đa", "dong da"),
        ("HOÀN KIẾM", "hoan kiem"),
        ("Cầu Giấy", "cau giay"),
        ("Bắc Từ Liêm", "bac tu liem"),
        ("Nguyễn Thị Thủy", "nguyen thi thuy"),
        ("đường Trường Chinh", "duong truong chinh"),
        ("Ưu tiên ƠN", "uu tien on"),
        ("hòa hoà", "hoa hoa"),
        ("50k 🙏 “x”", "50k 🙏 “x”"),
        ("café naïve", "cafe naive"),
        ("ÐẠI", "dai"),  # U+00D0 eth used for Đ
        ("", ""),
    ],
)
def test_fold_examples(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_every_vietnamese_letter_is_ascii() -> None:
    folded = fold(VI_LETTERS)
    assert folded.isascii()
    assert len(folded) == len(VI_LETTERS) == 134
    assert set(folded) == set("aeiouyd")


def test_fold_decomposed_equals_composed() -> None:
    text = "Thủ đô Hà Nội ngàn năm văn hiến"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == "thu do ha noi ngan nam van hien"


def test_fold_idempotent_examples() -> None:
    for text in ("Hà Nội", "İstanbul", "ǅemal", "한국어 ❤️", "a\u0301\u1dc4"):
        assert fold(fold(text)) == fold(text)
