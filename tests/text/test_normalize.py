"""normalize: tone placement, invisible characters, whitespace, composition."""

from __future__ import annotations

import unicodedata

import pytest

from vimon.text import normalize
from vimon.text.encodings import encode_cp1258, encode_legacy
from vimon.text.tones import SUSPECT_RE, WRONG_GI, WRONG_OTHER, WRONG_QU, fix_tone_placement

# (input, expected): the traditional style — tone on the first vowel of an open oa/oe/uy,
# on the last vowel with a final consonant, on the shaped vowel when there is one.
TONE_CASES = [
    ("hoà", "hòa"),
    ("hoá", "hóa"),
    ("hoả", "hỏa"),
    ("hoã", "hõa"),
    ("hoạ", "họa"),
    ("thuỷ", "thủy"),
    ("thuý", "thúy"),
    ("luỹ", "lũy"),
    ("tuỳ", "tùy"),
    ("khoẻ", "khỏe"),
    ("xoè", "xòe"),
    ("loé", "lóe"),
    ("hoàng", "hoàng"),
    ("hòang", "hoàng"),
    ("toán", "toán"),
    ("tóan", "toán"),
    ("thuận", "thuận"),
    ("quyết", "quyết"),
    ("huých", "huých"),
    ("húych", "huých"),
    ("khoẻo", "khoẻo"),
    ("ngoẻo", "ngoẻo"),
    ("ngoài", "ngoài"),
    ("ngòai", "ngoài"),
    ("ngoaì", "ngoài"),
    ("xoáy", "xoáy"),
    ("khuỷu", "khuỷu"),
    ("cuả", "của"),
    ("muà", "mùa"),
    ("kiá", "kía"),
    ("người", "người"),
    ("thuế", "thuế"),
    ("thuở", "thuở"),
    ("khuấy", "khuấy"),
    # qu / gi: the u and i belong to the onset
    ("quý", "quý"),
    ("qúy", "quý"),
    ("quả", "quả"),
    ("qủa", "quả"),
    ("quà", "quà"),
    ("quỳnh", "quỳnh"),
    ("quyển", "quyển"),
    ("giá", "giá"),
    ("gía", "giá"),
    ("giữ", "giữ"),
    ("giữa", "giữa"),
    ("giải", "giải"),
    ("gỉai", "giải"),
    ("gìn", "gìn"),
    ("già", "già"),
    ("gìa", "già"),
    # case is kept
    ("HOÀ", "HÒA"),
    ("Hoà", "Hòa"),
    ("THUỶ", "THỦY"),
    ("Khoẻ", "Khỏe"),
    ("QÚY", "QUÝ"),
    ("Uỷ ban", "Ủy ban"),
    ("UỶ BAN", "ỦY BAN"),
    # in running text, next to punctuation
    ("Hoà bình, thuỷ lợi; khoẻ mạnh.", "Hòa bình, thủy lợi; khỏe mạnh."),
    ("(hoà)", "(hòa)"),
]


@pytest.mark.parametrize(("raw", "expected"), TONE_CASES)
def test_tone_placement(raw: str, expected: str) -> None:
    assert normalize(raw) == expected
    assert normalize(expected) == expected


def test_tone_cases_are_many() -> None:
    assert len(TONE_CASES) >= 40


def test_every_misplaced_form_is_caught_and_canonical_forms_are_kept() -> None:
    # The cheap pre-check must see every misplacement the tables know, for each case form.
    for table, onsets in ((WRONG_OTHER, ["", "h", "ng", "th"]), (WRONG_QU, ["q"]), (WRONG_GI, ["g"])):
        for wrong, right in table.items():
            for onset in onsets:
                for form in (str.lower, str.upper, str.capitalize):
                    word = form(onset + wrong)
                    assert SUSPECT_RE.search(word), word
                    assert fix_tone_placement(word) == form(onset + right), word
                    assert fix_tone_placement(form(onset + right)) == form(onset + right)


def test_non_vietnamese_words_untouched() -> None:
    for text in ("café", "naïve", "Zoë", "São Paulo", "José Martí", "Noël"):
        assert normalize(text) == text


def test_decomposed_input_is_composed() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Thủy ở Hà Nội")
    assert normalize(nfd) == "Nguyễn Thị Thủy ở Hà Nội"


def test_windows_1258_combining_order() -> None:
    # cp1258 stores ê + combining tone; some keyboards put the tone before the circumflex.
    assert normalize(encode_cp1258("Việt").decode("cp1258")) == "Việt"
    assert normalize("Vie\u0323\u0302t") == "Việt"
    assert normalize("e\u0301\u0302") == "ế"
    assert normalize("hoa\u0300") == "hòa"  # decomposed new style → precomposed old style


def test_invisible_characters_removed() -> None:
    assert normalize("Hà\u200bNội") == "HàNội"
    assert normalize("\ufeffxin chào") == "xin chào"
    assert normalize("a\u00adb") == "ab"
    assert normalize("tin\u202egiả") == "tingiả"
    assert normalize("a\x00b\x07c\x1bd\x7fe") == "abcde"


def test_emoji_and_zwj_sequences_kept() -> None:
    family = "👨\u200d👩\u200d👧"
    assert normalize(f"gia đình {family} 🇻🇳 ❤️") == f"gia đình {family} 🇻🇳 ❤️"
    assert normalize("chữ\u200dcái") == "chữcái"  # a joiner between letters is noise


def test_whitespace() -> None:
    assert normalize("  a \t\t b  ") == "a b"
    assert normalize("a\u00a0\u00a0b\u3000c") == "a b c"
    assert normalize("a \n b") == "a\nb"
    assert normalize("a\r\nb\rc") == "a\nb\nc"
    assert normalize("a\n\nb") == "a\n\nb"
    assert normalize("a\n\n\n\n\nb") == "a\n\nb"
    assert normalize("a\u2028b") == "a\nb"
    assert normalize("") == ""
    assert normalize(" \n\t ") == ""


def test_letters_digits_and_symbols_kept() -> None:
    text = "Giá 50.000đ (–10%) @user #HàNội https://x.vn/a?b=1 ≥ 25°C — “trích dẫn”"
    assert normalize(text) == text


def test_legacy_text_in_unicode_is_converted() -> None:
    text = "Ủy ban nhân dân thành phố Hà Nội thông báo"
    assert normalize(encode_legacy(text, "vni")) == "Ủy ban nhân dân thành phố Hà Nội thông báo"
    # TCVN3 stores ư as U+00AD (soft hyphen): it must survive as the letter
    assert normalize(encode_legacy("người dân", "tcvn3")) == "người dân"


def test_teencode_flag() -> None:
    assert normalize("ko biết dc ko") == "ko biết dc ko"
    assert normalize("ko  biết dc ko", teencode=True) == "không biết được không"


def test_idempotent_examples() -> None:
    for text in [raw for raw, _ in TONE_CASES] + ["a\n\n\n b ", "x\u200d\u200dy", "hoà\u0301"]:
        once = normalize(text)
        assert normalize(once) == once
