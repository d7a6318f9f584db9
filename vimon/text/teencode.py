"""Teencode and internet shorthand expansion (``ko`` → ``không``), applied only where safe.

The dictionary is ``teencode.tsv`` (columns ``short``, ``expansion``, ``note``), written by the
team. A note may start with context tags in brackets, e.g. ``[lower,after-word]``:

``lower``            the short form must be written in lowercase ("CK", "NY", "UK" are acronyms)
``in-sentence``      a word must stand right before or after it on the same line
``after-word``       a word must stand right before it (``đi r`` → ``đi rồi``)
``not-after-number`` not right after a number ("50 k" is fifty thousand)
``question``         only in a clause that ends with "?" (``giá bn?``)
``not-before=a|b``   not when the next word is one of these (``ck tiền`` is a bank transfer)
``not-after=a|b``    not when the previous word is one of these (``đau hông`` is the hip)
``acronym``          the expansion is inserted as written, whatever the case of the short form

Always, for every entry: only whole tokens match (never part of a word or of ``50k``), never
inside URLs, e-mail addresses, @mentions or #hashtags, and never a token glued to ``/ . - _``
or other URL/number punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from vimon.text.tones import trie_regex

_TSV = Path(__file__).with_name("teencode.tsv")
_TAGS = {"lower", "in-sentence", "after-word", "not-after-number", "question", "acronym"}


@dataclass(frozen=True)
class Entry:
    short: str
    expansion: str
    tags: frozenset[str] = frozenset()
    not_before: frozenset[str] = frozenset()
    not_after: frozenset[str] = frozenset()


def _parse_note(note: str) -> tuple[set[str], set[str], set[str]]:
    tags: set[str] = set()
    before: set[str] = set()
    after: set[str] = set()
    m = re.match(r"\[([^\]]*)\]", note.strip())
    if not m:
        return tags, before, after
    for raw in m.group(1).split(","):
        tag = raw.strip()
        if tag.startswith("not-before="):
            before.update(w.strip().lower() for w in tag.split("=", 1)[1].split("|"))
        elif tag.startswith("not-after="):
            after.update(w.strip().lower() for w in tag.split("=", 1)[1].split("|"))
        elif tag in _TAGS:
            tags.add(tag)
        else:
            raise ValueError(f"teencode.tsv: unknown context tag {tag!r} in note {note!r}")
    return tags, before, after


def load(path: Path = _TSV) -> dict[str, Entry]:
    """Read the dictionary; a malformed row fails loudly (it is our own data file)."""
    entries: dict[str, Entry] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines[0].split("\t") != ["short", "expansion", "note"]:
        raise ValueError(f"{path}: header must be short<TAB>expansion<TAB>note")
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 3 or not cols[0] or not cols[1]:
            raise ValueError(f"{path}:{n}: expected 3 tab-separated columns")
        short = cols[0].lower()
        if short in entries:
            raise ValueError(f"{path}:{n}: duplicate short form {short!r}")
        tags, before, after = _parse_note(cols[2])
        entries[short] = Entry(short, cols[1], frozenset(tags), frozenset(before), frozenset(after))
    return entries


ENTRIES: Mapping[str, Entry] = MappingProxyType(load())
TEENCODE: Mapping[str, str] = MappingProxyType({k: e.expansion for k, e in ENTRIES.items()})

# Characters that glue a token to a URL, address, handle, number or compound. E-mail
# addresses need no rule of their own: every token in one touches "@" or ".".
_GLUE = r"\w@#/.\-'’&=%+:_~\\?"
_TOKEN_RE = re.compile(
    r"(?P<skip>(?:https?://|www\.)\S+)"
    rf"|(?<![{_GLUE}])(?P<tok>{trie_regex(set(ENTRIES))})(?![\w@/\-'’&=%+_~\\]|[.:]\w)",
    re.IGNORECASE,
)
# Pre-check: most posts contain no short form at all; a C-level set test over their letter
# runs (~3 µs) spares them the full expression (~40 µs per 100 characters, measured).
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")
_KEYS = frozenset(ENTRIES)
_PREV_RE = re.compile(r"(\S+)[ \t]*\Z")
_NEXT_RE = re.compile(r"[ \t]*(\S+)")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_NUMBER_RE = re.compile(r"\d[\d.,]*\Z")
_CLAUSE_END_RE = re.compile(r"[.!?\n]")


def _prev_token(s: str, start: int) -> str:
    line_start = s.rfind("\n", 0, start) + 1
    m = _PREV_RE.search(s, line_start, start)
    return m.group(1) if m else ""


def _next_token(s: str, end: int) -> str:
    m = _NEXT_RE.match(s, end)
    return "" if m is None or "\n" in s[end : m.start(1)] else m.group(1)


_OPENERS = "(\"'“‘[«"
_CLOSERS = ".,!?;:…)\"'”’]»"


def _is_word_before(token: str) -> bool:
    # "xong, k" — a comma after the previous word closes the clause: not a neighbour.
    return _LETTERS_RE.fullmatch(token.lstrip(_OPENERS)) is not None


def _is_word_after(token: str) -> bool:
    return _LETTERS_RE.fullmatch(token.rstrip(_CLOSERS)) is not None


def _allowed(e: Entry, token: str, s: str, start: int, end: int) -> bool:
    if not e.tags and not e.not_before and not e.not_after:
        return True
    if "lower" in e.tags and not token.islower():
        return False
    prev = _prev_token(s, start)
    nxt = _next_token(s, end) if s[end : end + 1] in ("", " ", "\t") else ""
    if "after-word" in e.tags and not _is_word_before(prev):
        return False
    if "in-sentence" in e.tags and not (_is_word_before(prev) or _is_word_after(nxt)):
        return False
    if "not-after-number" in e.tags and _NUMBER_RE.match(prev):
        return False
    if e.not_after and prev.lstrip(_OPENERS).lower() in e.not_after:
        return False
    if e.not_before:
        m = _LETTERS_RE.match(nxt)
        if m and m.group(0).lower() in e.not_before:
            return False
    if "question" in e.tags:
        m = _CLAUSE_END_RE.search(s, end)
        if m is None or m.group(0) != "?":
            return False
    return True


def _recase(token: str, expansion: str) -> str:
    if token.islower():
        return expansion
    if token.isupper() and len(token) > 1:
        return expansion.upper()
    return expansion[:1].upper() + expansion[1:]


def _expand(m: re.Match[str]) -> str:
    token = m.group("tok")
    if token is None:
        return m.group(0)
    e = ENTRIES[token.lower()]
    if not _allowed(e, token, m.string, m.start(), m.end()):
        return token
    return e.expansion if "acronym" in e.tags else _recase(token, e.expansion)


def expand_teencode(text: str) -> str:
    """Expand shorthand tokens that ``teencode.tsv`` lists, where their context allows."""
    if _KEYS.isdisjoint(_LETTER_RUN_RE.findall(text.lower())):
        return text
    return _TOKEN_RE.sub(_expand, text)
