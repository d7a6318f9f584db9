"""decode_bytes and legacy_to_unicode: round trips and detection."""

from __future__ import annotations

import pytest

from vimon.text import decode_bytes, legacy_to_unicode
from vimon.text.encodings import (
    TCVN3_ENCODE,
    VNI_ENCODE,
    encode_cp1258,
    encode_legacy,
    tcvn3_decode,
    vni_decode,
)
from vimon.text.tones import VI_LETTERS, VI_LOWER

PARAGRAPH = (
    "Thủ đô Hà Nội là trung tâm chính trị, văn hóa và khoa học của cả nước. "
    "Ủy ban nhân dân thành phố yêu cầu các quận, huyện tăng cường kiểm tra, xử lý nghiêm "
    "hành vi đưa tin sai sự thật trên mạng xã hội; người dân cần tỉnh táo trước những lời "
    "mời chào đầu tư, vay tiền qua ứng dụng. Thời tiết khỏe khoắn, trời hửng nắng, gió nhẹ."
)


def test_vni_round_trips_all_134_letters() -> None:
    assert len(VI_LETTERS) == 134
    assert set(VNI_ENCODE) == set(VI_LETTERS)
    assert vni_decode(encode_legacy(VI_LETTERS, "vni")) == VI_LETTERS
    for letter in VI_LETTERS:
        assert vni_decode(encode_legacy(letter, "vni")) == letter, letter


def test_tcvn3_round_trips_lowercase_and_its_capitals() -> None:
    assert len(VI_LOWER) == 67
    assert set(VI_LOWER) <= set(TCVN3_ENCODE)
    # (not at the start of a sentence, where a toned letter is taken to be a capital)
    assert tcvn3_decode(encode_legacy("x " + VI_LOWER, "tcvn3")) == "x " + VI_LOWER
    assert tcvn3_decode(encode_legacy("ấn", "tcvn3")) == "Ấn"
    assert tcvn3_decode(encode_legacy("Ă Â Ê Ô Ơ Ư Đ", "tcvn3")) == "Ă Â Ê Ô Ơ Ư Đ"
    # toned capitals come back capital inside an all-capitals word
    assert tcvn3_decode(encode_legacy("VIỆT NAM ĐẤT NƯỚC", "tcvn3")) == "VIỆT NAM ĐẤT NƯỚC"


def test_known_legacy_spellings() -> None:
    assert encode_legacy("Việt Nam", "vni") == "Vieät Nam"
    assert encode_legacy("Việt Nam", "tcvn3") == "ViÖt Nam"
    assert legacy_to_unicode("Vieät Nam") == ("Việt Nam", "vni")
    assert legacy_to_unicode("ViÖt Nam") == ("Việt Nam", "tcvn3")


@pytest.mark.parametrize("enc", ["vni", "tcvn3"])
def test_paragraph_round_trip(enc: str) -> None:
    text, name = legacy_to_unicode(encode_legacy(PARAGRAPH, enc))
    assert (text, name) == (PARAGRAPH, enc)


def test_unicode_text_unchanged() -> None:
    assert legacy_to_unicode(PARAGRAPH) == (PARAGRAPH, None)
    for text in ("café crème brûlée", "Müller ©2024 — 25°C", "ĐẠI HỘI ĐẢNG", "hòa", ""):
        assert legacy_to_unicode(text) == (text, None)


def test_short_legacy_text() -> None:
    assert legacy_to_unicode(encode_legacy("người", "vni")) == ("người", "vni")
    assert legacy_to_unicode(encode_legacy("đường", "tcvn3")) == ("đường", "tcvn3")


def test_mixed_document_converts_only_legacy_lines() -> None:
    legacy = encode_legacy("Công văn số 12 của Sở Thông tin", "vni")
    mixed = f"Bản tin hôm nay\n{legacy}\nNgười dân phản ánh"
    assert legacy_to_unicode(mixed) == (
        "Bản tin hôm nay\nCông văn số 12 của Sở Thông tin\nNgười dân phản ánh",
        "vni",
    )


@pytest.mark.parametrize(
    ("data", "expected_name"),
    [
        (PARAGRAPH.encode("utf-8"), "utf-8"),
        (PARAGRAPH.encode("utf-8-sig"), "utf-8-sig"),
        (PARAGRAPH.encode("utf-16"), "utf-16"),
        (PARAGRAPH.encode("utf-16-le"), "utf-16-le"),
        (encode_cp1258(PARAGRAPH), "cp1258"),
        (encode_legacy(PARAGRAPH, "vni").encode("cp1252"), "vni"),
        (encode_legacy(PARAGRAPH, "tcvn3").encode("latin-1"), "tcvn3"),
    ],
)
def test_decode_bytes_detects(data: bytes, expected_name: str) -> None:
    text, name = decode_bytes(data)
    assert (text, name) == (PARAGRAPH, expected_name)


def test_cp1258_result_is_nfc() -> None:
    data = encode_cp1258("Việt")
    assert b"\xf2" in data  # combining dot below byte: the tone really is separate
    text, name = decode_bytes(data)
    assert (text, name) == ("Việt", "cp1258")


@pytest.mark.parametrize(
    ("data", "declared", "expected_name"),
    [
        (PARAGRAPH.encode("utf-8"), "iso-8859-1", "utf-8"),
        (PARAGRAPH.encode("utf-8"), "windows-1258", "utf-8"),
        (encode_cp1258(PARAGRAPH), "utf-8", "cp1258"),
        (encode_legacy(PARAGRAPH, "vni").encode("cp1252"), "windows-1258", "vni"),
        (encode_legacy(PARAGRAPH, "tcvn3").encode("latin-1"), "utf-8", "tcvn3"),
        (encode_cp1258(PARAGRAPH), "no-such-charset", "cp1258"),
    ],
)
def test_decode_bytes_with_wrong_declared_charset(data: bytes, declared: str, expected_name: str) -> None:
    text, name = decode_bytes(data, declared)
    assert (text, name) == (PARAGRAPH, expected_name)


def test_decode_bytes_declared_wins_without_vietnamese_evidence() -> None:
    assert decode_bytes("naïve café".encode("cp1252")) == ("naïve café", "cp1252")
    assert decode_bytes("Grüße".encode("iso-8859-15"), "iso-8859-15") == ("Grüße", "iso8859-15")
    assert decode_bytes(b"plain ascii", "utf-8") == ("plain ascii", "ascii")
    assert decode_bytes(b"") == ("", "ascii")


def test_decode_bytes_never_raises_on_garbage() -> None:
    data = bytes(range(256)) * 3
    text, name = decode_bytes(data, "utf-8")
    assert isinstance(text, str) and name


def test_encode_legacy_rejects_unknown() -> None:
    with pytest.raises(ValueError):
        encode_legacy("x", "viqr")
