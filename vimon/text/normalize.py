"""``normalize``: one canonical Unicode form for Vietnamese text.

Steps, in order (each one skipped by a cheap check when it has nothing to do):

1. control and invisible format characters are removed, exotic spaces become " ",
   CR/LF/NEL/LS/PS become "\\n";
2. combining marks (Windows-1258, macOS NFD) are composed to NFC, with tone/shape marks put
   in the order NFC can compose;
3. legacy font text (VNI, TCVN3) that arrived as Unicode characters is converted;
4. tone marks are moved to the traditional position (hoà → hòa, see ``tones.py``);
5. whitespace: runs of spaces/tabs → one space, no spaces around newlines, 3+ newlines → 2;
6. optionally, teencode is expanded (``teencode.py``).

The result is idempotent: ``normalize(normalize(x)) == normalize(x)``.
"""

from __future__ import annotations

import re
import unicodedata

from vimon.text import encodings, teencode, tones

# --- step 1: invisible characters -----------------------------------------------------------

# C0/C1 controls except tab and the line breaks handled below.
_DELETE = [c for c in range(0x00, 0x20) if c not in (0x09, 0x0A, 0x0B, 0x0C, 0x0D)]
_DELETE += [0x7F] + [c for c in range(0x80, 0xA0) if c != 0x85]
_DELETE += [
    0x00AD,  # soft hyphen (kept when the text looks like TCVN3, where it is the letter ư)
    0x034F,  # combining grapheme joiner
    0x061C,  # Arabic letter mark
    0x115F, 0x1160, 0x3164, 0xFFA0,  # Hangul fillers, used as "blank" names/posts
    0x180E,  # Mongolian vowel separator
    0x200B, 0x200C, 0x200E, 0x200F,  # zero width space / non-joiner, LRM, RLM
    0x202A, 0x202B, 0x202C, 0x202D, 0x202E,  # bidi embeddings and overrides
    0x2060, 0x2061, 0x2062, 0x2063, 0x2064,  # word joiner, invisible operators
    0x2066, 0x2067, 0x2068, 0x2069,  # bidi isolates
    0xFEFF,  # byte order mark / zero width no-break space
    0xFFF9, 0xFFFA, 0xFFFB,  # interlinear annotation controls
]
_SPACES = [0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]
_NEWLINES = [0x0B, 0x0C, 0x85, 0x2028, 0x2029]

_CLEAN: dict[int, str | None] = {c: None for c in _DELETE}  # the whole mapping, as data
_CLEAN.update({c: " " for c in _SPACES})
_CLEAN.update({c: "\n" for c in _NEWLINES})


def _class(codes: list[int]) -> str:
    return "[" + "".join(re.escape(chr(c)) for c in sorted(codes)) + "]"


# Three substitutions rather than str.translate: with a dict table translate costs a lookup
# per character (tens of µs per post), while these scan in C and touch only the matches.
# NBSP alone makes this path common for scraped news pages.
_JUNK_RE = re.compile(_class([*_CLEAN, 0x0D, 0x200D]))
_DELETE_RE = re.compile(_class(_DELETE))
_DELETE_KEEP_SHY_RE = re.compile(_class([c for c in _DELETE if c != 0x00AD]))
_SPACE_RE = re.compile(_class(_SPACES))
_NEWLINE_RE = re.compile(_class(_NEWLINES))
# Zero width joiner glues emoji sequences (👨‍👩‍👧); anywhere else it is invisible noise.
_ZWJ_RE = re.compile(r"(?<![\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\U000E0020-\U000E007F])\u200d"
                     r"|\u200d(?![\U0001F000-\U0001FAFF\u2600-\u27BF])")
# In TCVN3 the letter ư is U+00AD; these bytes (ă â ê ô ơ đ, á à ả ã ạ) betray such text.
_TCVN3_MARKERS_RE = re.compile("[\u00a8\u00a9\u00aa\u00ab\u00ac\u00ae\u00b5-\u00b9]")


def _clean(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u200d" in text:
        text = _ZWJ_RE.sub("", text)
    keep_shy = "\u00ad" in text and _TCVN3_MARKERS_RE.search(text) is not None
    text = (_DELETE_KEEP_SHY_RE if keep_shy else _DELETE_RE).sub("", text)
    text = _SPACE_RE.sub(" ", text)
    return _NEWLINE_RE.sub("\n", text)


# --- step 2: combining marks --------------------------------------------------------------

_COMBINING_RE = re.compile("[\u0300-\u036f]")
# NFC cannot compose e + U+0301 + U+0302 (both marks have combining class 230, so the
# order is kept and the acute blocks the circumflex). Windows-1258 keyboards produce
# exactly that order, so the tone is moved after the shape mark before composing.
_TONE_BEFORE_SHAPE_RE = re.compile("([\u0300\u0301\u0303\u0309\u0340\u0341]+)([\u0302\u0306\u031b]+)")


def _compose(text: str) -> str:
    if _COMBINING_RE.search(text) is None:
        return unicodedata.normalize("NFC", text)
    decomposed = unicodedata.normalize("NFD", text)
    # Repeat until no tone mark precedes a shape mark (interleaved runs need more than one).
    while True:
        swapped = _TONE_BEFORE_SHAPE_RE.sub(r"\2\1", decomposed)
        if swapped == decomposed:
            break
        decomposed = swapped
    return unicodedata.normalize("NFC", decomposed)


# --- step 5: whitespace ---------------------------------------------------------------------

_HSPACE_RE = re.compile(r"[ \t]{2,}|\t")
_NL_EDGE_RE = re.compile(r" ?\n ?")
_NL3_RE = re.compile(r"\n{3,}")


def _whitespace(text: str) -> str:
    if "\t" in text or "  " in text:
        text = _HSPACE_RE.sub(" ", text)
    if "\n" in text:
        text = _NL_EDGE_RE.sub("\n", text)
        if "\n\n\n" in text:
            text = _NL3_RE.sub("\n\n", text)
    return text.strip(" \n")


def normalize(text: str, *, teencode: bool = False) -> str:
    """Return ``text`` in the one canonical form vimon stores and matches.

    Vietnamese letters, digits, punctuation and emoji are kept; only invisible characters
    are removed and whitespace is tidied. ``teencode=True`` also expands internet shorthand
    (``ko`` → ``không``) where that is safe; see ``docs/text.md``.
    """
    if not text:
        return ""
    if _JUNK_RE.search(text):
        text = _clean(text)
    if not text.isascii():
        text = _compose(text)
        # After cleaning and composing, so that the text judged is the text kept.
        if encodings.LEGACY_HINT_RE.search(text):
            text = encodings.to_unicode_stable(text)
        text = tones.fix_tone_placement(text)
    text = _whitespace(text)
    if teencode:
        text = _teencode_stable(text)
    return text


def _teencode_stable(text: str) -> str:
    # Expansions are canonical text and never contain a key again (tested), so one pass is
    # a fixed point; whitespace is re-tidied in case a key sat next to a removed space.
    return _whitespace(teencode.expand_teencode(text))
