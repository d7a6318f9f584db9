"""Text preparation for the classifiers.

The project's text package (``vimon.text``) owns normalization, folding and teencode for the
rest of the system. The features of a trained model must not shift when that package
changes, so the few steps the features need are pinned here (and covered by tests):

* ``fold`` lowercases, strips every diacritic and maps đ → d, as ``vimon.text.fold`` does;
* ``tone_key`` is our own: it writes a syllable as its letters without the tone mark plus a
  tone digit (``hoà`` and ``hòa`` → ``hoa2``), which makes the word features independent of
  the tone-mark placement style whatever normalizer ran before;
* ``expand_teencode`` uses the small table ``teencode.tsv`` next to this file, so a shipped
  model keeps the expansion it was trained with.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Combining tone marks in Vietnamese: grave, acute, hook above, tilde, dot below.
_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_TONE_RE = re.compile("[\u0300\u0301\u0309\u0303\u0323]")
_ALL_MARKS_RE = re.compile("[\u0300-\u036f]")

# Syllables: letters/digits (Vietnamese letters are \w), or one emoji/symbol.
TOKEN_RE = re.compile(r"\w+|[^\w\s]", re.UNICODE)
# Swear words disguised with dots, dashes or spaces between single letters: "đ.m", "c-ặ-c".
_SPLIT_WORD_RE = re.compile(r"\b(?:\w[.\-_*]){1,6}\w\b")
_REPEAT_RE = re.compile(r"(\w)\1{2,}")


def _fold_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {cp: None for cp in range(0x300, 0x370)}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = _ALL_MARKS_RE.sub("", unicodedata.normalize("NFD", ch))
        if len(base) == 1 and base != ch:
            table[cp] = ord(base)
    table[ord("đ")] = ord("d")
    table[ord("Đ")] = ord("D")
    return table


FOLD_TABLE = _fold_table()


def nfc(text: str) -> str:
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lowercase, strip every diacritic, đ → d (search-style folding)."""
    return nfc(text).translate(FOLD_TABLE).lower()


@lru_cache(maxsize=200_000)
def tone_key(syllable: str) -> str:
    """Letters without the tone mark, then the tone digit (none for level tone)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    marks = _TONE_RE.findall(decomposed)
    if not marks:
        return syllable
    base = unicodedata.normalize("NFC", _TONE_RE.sub("", decomposed))
    return base + _TONES[marks[-1]]


@lru_cache(maxsize=1)
def teencode_table() -> dict[str, str]:
    table: dict[str, str] = {}
    path = Path(__file__).with_name("teencode.tsv")
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        short, _, full = line.partition("\t")
        table[short.strip()] = full.strip()
    return table


def expand_teencode(tokens: list[str]) -> list[str]:
    table = teencode_table()
    out: list[str] = []
    for tok in tokens:
        full = table.get(tok)
        if full is None:
            out.append(tok)
        else:
            out.extend(full.split())
    return out


def _join_letters(match: re.Match[str]) -> str:
    return _SPLIT_SEP_RE.sub("", match.group(0))


_SPLIT_SEP_RE = re.compile(r"[.\-_*]")


def squeeze_counted(text: str) -> tuple[str, int]:
    """``squeeze`` and the number of letter runs it shortened."""
    text = nfc(text).lower()
    if "." in text or "-" in text or "_" in text or "*" in text:
        text = _SPLIT_WORD_RE.sub(_join_letters, text)
    return _REPEAT_RE.subn(r"\1\1", text)


def squeeze(text: str) -> str:
    """Lowercase, NFC, join dotted single letters (đ.m → đm), cap letter repeats at two."""
    return squeeze_counted(text)[0]


def tokens_with_offsets(text: str) -> list[tuple[str, int, int]]:
    """Syllable/symbol tokens of the original text with character offsets (end exclusive)."""
    return [(m.group(0), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


def has_diacritics(text: str) -> bool:
    lowered = nfc(text).lower()
    return fold(lowered) != lowered
