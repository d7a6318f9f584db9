"""syllables and segment (underthesea path and fallback path)."""

from __future__ import annotations

import importlib
import sys

import pytest

from vimon.text import segment, syllables

# The package re-exports the function ``segment`` under the module's name, so fetch the
# module itself to reach its loader state.
seg = importlib.import_module("vimon.text.segment")


def test_syllables_basic() -> None:
    assert syllables("Hôm nay, trời Hà Nội đẹp quá! 😀") == ["hôm", "nay", "trời", "hà", "nội", "đẹp", "quá"]


def test_syllables_normalizes_first() -> None:
    assert syllables("HOÀ  bình\u200b") == ["hòa", "bình"]


def test_syllables_numbers_and_compounds() -> None:
    assert syllables("covid-19 giá 50k, 1.000 người") == ["covid", "19", "giá", "50k", "1", "000", "người"]


def test_syllables_urls_kept_whole_and_mentions_split() -> None:
    toks = syllables("xem https://VnExpress.net/tin-tuc/abc.html. nhé @Hùng #HàNội")
    assert toks == ["xem", "https://vnexpress.net/tin-tuc/abc.html", "nhé", "hùng", "hànội"]


def test_syllables_empty() -> None:
    assert syllables("") == []
    assert syllables("!!! 🙏🙏") == []


def test_segment_with_underthesea() -> None:
    words = segment("Bác sĩ bây giờ có thể thản nhiên báo tin bệnh nhân bị ung thư.")
    assert "bác sĩ" in words
    assert "bệnh nhân" in words
    assert "ung thư" in words
    assert all(w == w.lower() for w in words)
    assert "." not in words
    # the same syllables, only grouped
    assert " ".join(words).split() == syllables("Bác sĩ bây giờ có thể thản nhiên báo tin bệnh nhân bị ung thư.")


def test_segment_normalizes_tone_style() -> None:
    assert "hòa" in " ".join(segment("Hoà bình cho thuỷ thủ"))


def test_segment_multiline_and_empty() -> None:
    assert segment("") == []
    assert segment("Hà Nội\n\nđẹp") == ["hà nội", "đẹp"]


def test_segment_falls_back_when_underthesea_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "underthesea", None)  # makes the import fail
    monkeypatch.setattr(seg, "_tokenizer", seg._UNSET)
    text = "Bác sĩ bây giờ có thể báo tin!"
    assert segment(text) == syllables(text)
    assert seg._tokenizer is None


def test_segment_falls_back_when_tokenizer_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_text: str) -> list[str]:
        raise RuntimeError("model file missing")

    monkeypatch.setattr(seg, "_tokenizer", broken)
    assert segment("Hà Nội đẹp") == ["hà", "nội", "đẹp"]
