"""Bytes to Unicode for Vietnamese: UTF-8/16/32, Windows-1258, and the legacy font encodings.

Legacy Vietnamese text was typed with fonts whose glyphs sat on Western code points:

* **VNI** (VNI-Windows fonts, "VNI-Times"): an ASCII base letter followed by accent bytes,
  "Việt Nam" is stored as ``Vieät Nam``. All 134 Vietnamese letters are encodable.
* **TCVN3** (TCVN 5712:1993 VN3, the "ABC" ``.VnTime`` fonts): one byte per letter in the
  Latin-1 upper half, "Việt Nam" is stored as ``ViÖt Nam``. Only lowercase toned letters
  exist; uppercase is limited to Ă Â Ê Ô Ơ Ư Đ (toned capitals used the separate ``.VnTimeH``
  fonts, which reuse the lowercase codes). Decoding therefore upper-cases a toned letter
  when the rest of its word is in capitals ("VIÖT" → "VIỆT"); a capitalised word whose first
  letter is toned ("Ên" for "Ấn") cannot be told apart from lowercase and stays lowercase.

Both arrive either as bytes (decoded here as Windows-1252) or as Unicode text that was
already decoded that way, e.g. from a web page that set the font in CSS; ``legacy_to_unicode``
handles the second case and ``normalize`` calls it when a cheap hint fires.

The conversion tables are written here from the published code charts. Detection scores each
candidate decoding by the number of well-formed Vietnamese syllables it yields
(``tones.is_syllable``), line by line, so a document mixing Unicode and legacy paragraphs
comes out right.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import unicodedata
from collections import Counter

from vimon.text.tones import TONED, is_syllable

# --- VNI ---------------------------------------------------------------------------------
# Tone bytes after a plain vowel (a e o u y, and the single-byte ơ "ô" / ư "ö"), index = tone
# (1 huyền, 2 sắc, 3 hỏi, 4 ngã, 5 nặng).
_VNI_TONE = ("", "ø", "ù", "û", "õ", "ï")
_VNI_CIRCUMFLEX = ("â", "à", "á", "å", "ã", "ä")  # â ê ô with each tone
_VNI_BREVE = ("ê", "è", "é", "ú", "ü", "ë")  # ă with each tone
_VNI_I = ("i", "ì", "í", "æ", "ó", "ò")  # i is one byte per tone


def _vni_lower() -> dict[str, str]:
    table: dict[str, str] = {"đ": "ñ"}
    for base in "aeouy":
        for t in range(1, 6):
            table[TONED[base][t]] = base + _VNI_TONE[t]
    for shaped, plain in (("â", "a"), ("ê", "e"), ("ô", "o")):
        for t in range(6):
            table[TONED[shaped][t]] = plain + _VNI_CIRCUMFLEX[t]
    for t in range(6):
        table[TONED["ă"][t]] = "a" + _VNI_BREVE[t]
        table[TONED["ơ"][t]] = "ô" + _VNI_TONE[t]
        table[TONED["ư"][t]] = "ö" + _VNI_TONE[t]
    for t in range(1, 6):
        table[TONED["i"][t]] = _VNI_I[t]
    table[TONED["y"][5]] = "î"  # ỵ has its own byte, unlike the other y tones
    return table


VNI_ENCODE: dict[str, str] = {}
for _u, _v in _vni_lower().items():
    VNI_ENCODE[_u] = _v
    VNI_ENCODE[_u.upper()] = _v.upper()  # capitals use the capital accent bytes: "AÙ" = Á

# Decoding also accepts a capital base with lowercase accent bytes ("Aù"), which some
# documents mix; the letter takes the case of the base.
VNI_DECODE: dict[str, str] = {}
for _u, _v in VNI_ENCODE.items():
    VNI_DECODE[_v] = _u
    if len(_v) == 2:
        VNI_DECODE.setdefault(_v[0] + _v[1].lower(), _u if _v[0].islower() else _u.upper())
        VNI_DECODE.setdefault(_v[0] + _v[1].upper(), _u)
_VNI_RE = re.compile(
    "|".join(re.escape(k) for k in sorted(VNI_DECODE, key=lambda k: (-len(k), k)) if k not in "iI")
)

# --- TCVN3 -------------------------------------------------------------------------------
# Byte order within each vowel is huyền, hỏi, ngã, sắc, nặng (the chart's order).
_TCVN3_ROWS = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TONE_ORDER = (1, 3, 4, 2, 5)  # chart column -> tone index
TCVN3_ENCODE: dict[str, str] = {
    "ă": "\xa8", "â": "\xa9", "ê": "\xaa", "ô": "\xab", "ơ": "\xac", "ư": "\xad", "đ": "\xae",
    "Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4", "Ơ": "\xa5", "Ư": "\xa6", "Đ": "\xa7",
}
for _base, _codes in _TCVN3_ROWS.items():
    for _tone, _code in zip(_TONE_ORDER, _codes, strict=True):
        TCVN3_ENCODE[TONED[_base][_tone]] = chr(_code)
_TCVN3_TABLE = str.maketrans({v: k for k, v in TCVN3_ENCODE.items()})
_WORD_RE = re.compile(r"[^\W\d_]+")


def _tcvn3_caps(m: re.Match[str]) -> str:
    # A toned letter inside a word otherwise in capitals was a capital in a .VnTimeH font.
    word = m.group(0)
    if word.islower() or any(c.islower() for c in word if c.isascii()):
        return word
    if sum(c.isupper() for c in word) >= 2:
        return word.upper()
    return word


_TCVN3_LOWER_ONLY = "".join(sorted(c for c in TCVN3_ENCODE if c.islower() and c.upper() not in TCVN3_ENCODE))
# A sentence starts with a capital; in TCVN3 a toned capital there was typed with the
# lowercase code, so it is restored at the start of the text, a line or a sentence.
_SENTENCE_START_RE = re.compile(f"(?:^|(?<=[.!?…]\\s)|(?<=\\n))[{_TCVN3_LOWER_ONLY}]", re.MULTILINE)


def tcvn3_decode(text: str) -> str:
    """Convert TCVN3 text (bytes already read as Latin-1/Windows-1252) to Unicode."""
    text = _WORD_RE.sub(_tcvn3_caps, text.translate(_TCVN3_TABLE))
    return _SENTENCE_START_RE.sub(lambda m: m.group(0).upper(), text)


def vni_decode(text: str) -> str:
    """Convert VNI text (bytes already read as Windows-1252) to Unicode."""
    return _VNI_RE.sub(lambda m: VNI_DECODE[m.group(0)], text)


def encode_legacy(text: str, enc: str) -> str:
    """Write Unicode ``text`` as ``enc`` ("vni" or "tcvn3"), as Windows-1252 characters.

    Used by tests and fixtures. TCVN3 has no toned capitals: they are written with the
    lowercase code, as the ``.VnTimeH`` fonts do.
    """
    text = unicodedata.normalize("NFC", text)
    if enc == "vni":
        table = VNI_ENCODE
    elif enc == "tcvn3":
        table = dict(TCVN3_ENCODE)
        for ch in list(TCVN3_ENCODE):
            if ch.upper() not in table:
                table[ch.upper()] = TCVN3_ENCODE[ch]
    else:
        raise ValueError(f"unknown legacy encoding {enc!r} (expected 'vni' or 'tcvn3')")
    return "".join(table.get(c, c) for c in text)


_TONE_COMBINING = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Write ``text`` as Windows-1258 bytes the way Windows does: base letter (with its
    shape mark, precomposed) followed by a combining tone mark. Used by tests and fixtures."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in parts if c in _TONE_COMBINING)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_COMBINING))
        out.append((base + tone).encode("cp1258"))
    return b"".join(out)


# --- detection ---------------------------------------------------------------------------
_VI_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
# Latin-1 characters that never occur inside Unicode Vietnamese words but are common in VNI
# and TCVN3 text; a legacy text of any length has one next to an ASCII letter.
# Left out: symbols that touch letters in ordinary text (°C, m², ±) and are no legacy code.
_ODD = "".join(
    chr(c) for c in range(0xA1, 0x100) if chr(c) not in _VI_LATIN1 and chr(c) not in "°±²³´º¿"
)
# A leading class lets the regex engine skip ordinary characters quickly.
# The neighbour may be another Latin-1 character: "®­êng" (đường) has no ASCII letter.
LEGACY_HINT_RE = re.compile(
    f"[{re.escape(_ODD)}](?:(?<=[A-Za-z\xa1-\xff].)|(?=[A-Za-z\xa1-\xff]))"
)
_NON_LATIN1_VI_RE = re.compile("[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")


def vi_score(text: str) -> int:
    """Well-formed Vietnamese syllables minus malformed words (over words with non-ASCII),
    minus legacy-looking characters left over: "®­êng" scores below "đường" though both
    contain one syllable-shaped word."""
    score = -len(LEGACY_HINT_RE.findall(text))
    for word in _WORD_RE.findall(text):
        if not word.isascii():
            score += 1 if is_syllable(word.lower()) else -1
    return score


_DECODERS = (("vni", vni_decode), ("tcvn3", tcvn3_decode))


def _best_line(line: str) -> tuple[str, str | None]:
    if not LEGACY_HINT_RE.search(line) or _NON_LATIN1_VI_RE.search(line):
        return line, None  # a line with ơ/ư/ạ… as Unicode is Unicode text
    base = vi_score(line)
    best: tuple[str, str | None] = (line, None)
    best_score = base
    for name, decode in _DECODERS:
        converted = decode(line)
        score = vi_score(converted)
        if score > best_score and score > 0:
            best, best_score = (converted, name), score
    return best


def legacy_to_unicode(text: str) -> tuple[str, str | None]:
    """Convert VNI or TCVN3 text to Unicode; ``(text, None)`` when it is not legacy.

    Decided line by line, so mixed documents work; the name returned is the encoding that
    converted the most lines.
    """
    if not LEGACY_HINT_RE.search(text):
        return text, None
    out: list[str] = []
    used: Counter[str] = Counter()
    for line in text.split("\n"):
        converted, name = _best_line(line)
        out.append(converted)
        if name:
            used[name] += 1
    if not used:
        return text, None
    return "\n".join(out), used.most_common(1)[0][0]


def to_unicode_stable(text: str, rounds: int = 3) -> str:
    """Apply ``legacy_to_unicode`` until nothing changes (a conversion can expose another)."""
    for _ in range(rounds):
        text, name = legacy_to_unicode(text)
        if name is None:
            break
    return text


# --- bytes -------------------------------------------------------------------------------
_ALIASES = {
    "vni": "vni", "vni-windows": "vni", "x-viet-vni": "vni", "vni-win": "vni",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn-5712": "tcvn3", "tcvn5712": "tcvn3",
    "abc": "tcvn3", "x-viet-tcvn": "tcvn3", "x-viet-tcvn5712": "tcvn3",
}
# Windows-1252 in 0x80–0x9F where defined; the undefined bytes stay as Latin-1 controls.
_CP1252_HIGH: dict[int, str] = {}
for _b in range(0x80, 0xA0):
    with contextlib.suppress(UnicodeDecodeError):
        _CP1252_HIGH[_b] = bytes([_b]).decode("cp1252")


def _cp1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_CP1252_HIGH)


def _codec_name(declared: str | None) -> str | None:
    if not declared:
        return None
    key = declared.strip().strip("\"'").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def _sniff_utf16(data: bytes) -> str | None:
    # Without a BOM, Vietnamese/ASCII UTF-16 has a NUL in every other byte for ASCII text.
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    half = len(data) // 2
    if odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be"
    return None


def _decode_single_byte(data: bytes, declared: str | None) -> tuple[str, str]:
    raw = _cp1252(data)
    candidates: dict[str, str] = {"cp1252": raw, "vni": vni_decode(raw), "tcvn3": tcvn3_decode(raw)}
    with contextlib.suppress(UnicodeDecodeError):  # cp1258 leaves a few bytes undefined
        candidates["cp1258"] = unicodedata.normalize("NFC", data.decode("cp1258"))
    if declared and declared not in candidates and declared not in ("utf-8", "ascii"):
        with contextlib.suppress(UnicodeDecodeError, LookupError):
            candidates[declared] = data.decode(declared)
    scores = {name: vi_score(t) for name, t in candidates.items()}
    # Ties go to the declared charset, then to the Vietnamese code pages in order of use.
    order = [declared, "cp1258", "vni", "tcvn3", "cp1252"]
    rank = {name: i for i, name in enumerate(n for n in order if n)}
    best = max(candidates, key=lambda n: (scores[n], -rank.get(n, len(rank))))
    if scores[best] <= 0:
        best = declared if declared in candidates else "cp1252"
    return unicodedata.normalize("NFC", candidates[best]), best


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to NFC text, returning ``(text, encoding name used)``.

    ``declared`` (an HTTP or meta charset) is a hint, not the truth: valid UTF-8 wins over a
    declared single-byte charset, and among single-byte charsets the one that yields the
    most Vietnamese syllables wins, with the declared one preferred on a tie. Names returned:
    ``utf-8``, ``utf-8-sig``, ``utf-16``, ``utf-16-le``, ``utf-16-be``, ``utf-32``, ``ascii``,
    ``cp1258``, ``vni``, ``tcvn3``, ``cp1252``, or another declared codec's Python name.
    """
    if data.startswith(codecs.BOM_UTF8):
        return unicodedata.normalize("NFC", data[3:].decode("utf-8", errors="replace")), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return unicodedata.normalize("NFC", data.decode("utf-32", errors="replace")), "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return unicodedata.normalize("NFC", data.decode("utf-16", errors="replace")), "utf-16"
    utf16 = _sniff_utf16(data) if b"\x00" in data else None
    if utf16:
        try:
            return unicodedata.normalize("NFC", data.decode(utf16)), utf16
        except UnicodeDecodeError:
            pass
    if data.isascii():
        return data.decode("ascii"), "ascii"
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_single_byte(data, _codec_name(declared))
