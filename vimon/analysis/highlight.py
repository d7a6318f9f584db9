"""Highlighted snippets: where the query's words occur in the (diacritic-carrying) text."""

from __future__ import annotations

import re

from vimon.store.querylang import And, Near, Node, Not, Or, Query, Term, Wild
from vimon.text import fold

_WORD = re.compile(r"[^\W_]+")


def _positive_leaves(node: Node | None, out: list) -> list:
    if isinstance(node, Term | Wild):
        out.append(node)
    elif isinstance(node, And | Or):
        for c in node.children:
            _positive_leaves(c, out)
    elif isinstance(node, Near):
        out.extend(node.operands)
    # Not: its words are what the item does NOT contain; fields: nothing to mark
    return out


def _word_matches(leaves: list, word: str) -> bool:
    f = fold(word)
    for leaf in leaves:
        if isinstance(leaf, Term) and f in leaf.tokens:
            return True
        if isinstance(leaf, Wild):
            body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                           for c in leaf.pattern)
            if re.fullmatch(body, f):
                return True
    return False


def snippet(text: str, query: Query, width: int = 260) -> list[tuple[str, bool]]:
    """Segments (text, is_match) of a window of ``text`` around the first match."""
    text = text or ""
    leaves = _positive_leaves(query.root, []) if not isinstance(query.root, Not) else []
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if leaves and
             _word_matches(leaves, m.group())]
    start = 0
    if spans and spans[0][0] > width // 3:
        start = max(0, spans[0][0] - width // 3)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    out: list[tuple[str, bool]] = [("…", False)] if start else []
    pos = start
    for a, b in spans:
        if a < start or b > end:
            continue
        if a > pos:
            out.append((text[pos:a], False))
        out.append((text[a:b], True))
        pos = b
    out.append((text[pos:end], False))
    if end < len(text):
        out.append(("…", False))
    return out
