"""``fold``: lowercase, no diacritics, đ → d — the form used for search and matching.

"Hà Nội" → "ha noi", "Đống Đa" → "dong da".

Speed matters (every item and every query is folded), and in CPython ``str.translate``
with a dict costs a dictionary lookup per character (~40 µs for a 100-character post, we
measured). Instead: ``lower()``, map đ, NFD, then ``encode("ascii", "ignore")`` — all C
loops, ~3 µs — which is exact whenever the only non-ASCII characters left after NFD are
combining marks, i.e. for all Vietnamese text. Anything else (emoji, other scripts, curly
quotes) takes a slower path that drops only the combining marks and keeps the rest.
"""

from __future__ import annotations

import re
import unicodedata

# Đ/đ have no decomposition; Ð/ð (eth) is what Latin-1 tools put where Đ belongs.
_D_RE = re.compile("[đð]")
# After NFD: characters that are neither ASCII nor a combining diacritic (U+0300–U+036F).
_OTHER_RE = re.compile("([^\x00-\x7f\u0300-\u036f]+)")


def _slow(decomposed: str) -> str:
    # Split around the "other" runs (captured, so they sit at odd indexes): the Vietnamese
    # parts still take the fast ASCII path, only the short other runs are walked per char.
    parts = _OTHER_RE.split(decomposed)
    for i, part in enumerate(parts):
        if i % 2 == 0:
            parts[i] = part.encode("ascii", "ignore").decode("ascii")
        else:
            bare = "".join(c for c in part if unicodedata.category(c) != "Mn")
            parts[i] = unicodedata.normalize("NFC", bare)
    return "".join(parts)


def fold(text: str) -> str:
    """Lowercase ``text`` and strip every diacritic; Vietnamese letters come out ASCII."""
    low = text.lower()
    if low.isascii():
        return low
    if "đ" in low or "ð" in low:
        low = _D_RE.sub("d", low)
    decomposed = unicodedata.normalize("NFD", low)
    if _OTHER_RE.search(decomposed) is None:
        return decomposed.encode("ascii", "ignore").decode("ascii")
    return _slow(decomposed)


# Every ASCII character that is not a lowercase letter or digit → a space.
_SEPARATORS = str.maketrans({c: " " for c in range(128)
                             if not (chr(c).isdigit() or "a" <= chr(c) <= "z")})


def fold_tokens(folded: str) -> list[str]:
    """The ASCII letter/digit runs of a folded text: what deduplication hashes and shingles,
    and what the place-name gazetteer matches (its names fold to ASCII)."""
    if not folded.isascii():  # non-ASCII characters separate runs, like any other
        folded = folded.encode("ascii", "replace").decode("ascii")
    # The runs of ``[a-z0-9]+`` without a regex scan: CPython translates ASCII to ASCII
    # with a table lookup per character, and split() runs in C (VNTC articles: 168 → 98 µs).
    return folded.translate(_SEPARATORS).split()
