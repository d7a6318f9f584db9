"""Evaluate a parsed query against one in-memory item (watchlists during ingest).

The SQL compilers in ``vimon.store.querylang`` are the reference; this evaluator follows the
same semantics on the same folded tokens (FTS5 ``unicode61`` and the PostgreSQL column both
split the folded text at every non-alphanumeric character), so a watchlist tags exactly the
items a search for the same query returns. A test checks the agreement on a shared corpus.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime

from vimon.store.querylang import (
    And,
    DateRange,
    Field,
    Near,
    Node,
    Not,
    Or,
    Query,
    Term,
    Wild,
    tag_keys,
)

_TOKEN = re.compile(r"[^\W_]+")


@dataclass
class Doc:
    folded: str
    text: str  # title + normalized text, for exact-diacritics matching
    source: str | None = None
    kind: str = "post"
    url: str | None = None
    published_at: datetime | None = None
    tags: dict[str, set[str]] = field(default_factory=dict)
    labels: set[tuple[str, str]] = field(default_factory=set)
    _tokens: list[str] | None = None
    _pos: dict[str, list[int]] | None = None

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            self._tokens = _TOKEN.findall(self.folded)
        return self._tokens

    @property
    def positions(self) -> dict[str, list[int]]:
        if self._pos is None:
            pos: dict[str, list[int]] = {}
            for i, t in enumerate(self.tokens):
                pos.setdefault(t, []).append(i)
            self._pos = pos
        return self._pos


def _spans(node: Term | Wild, doc: Doc) -> list[tuple[int, int]]:
    """(first, last) token positions where a term, phrase or prefix occurs."""
    if isinstance(node, Wild):
        stem = node.pattern[:-1]
        return [(i, i) for i, t in enumerate(doc.tokens) if t.startswith(stem)]
    first, rest = node.tokens[0], node.tokens[1:]
    toks = doc.tokens
    out = []
    for i in doc.positions.get(first, ()):
        if all(i + k + 1 < len(toks) and toks[i + k + 1] == t for k, t in enumerate(rest)):
            out.append((i, i + len(rest)))
    return out


def _regex(body: str, text: str) -> bool:
    return re.search("(?i)" + body, text) is not None


def _exact_ok(node: Term, doc: Doc) -> bool:
    words = [re.escape(w) for w in re.findall(r"[^\W_]+", node.raw.lower())]
    return _regex(r"\b" + r"[\W_]+".join(words) + r"\b", doc.text)


def _wild_ok(node: Wild, doc: Doc, exact: bool) -> bool:
    if exact:
        src, text = re.sub(r"[^\w*?]+", "", node.raw.lower()).replace("_", ""), doc.text
    else:
        src, text = node.pattern, doc.folded
    body = "".join(r"[^\W_]*" if c == "*" else r"[^\W_]" if c == "?" else re.escape(c)
                   for c in src)
    stem = re.split(r"[*?]", node.pattern, maxsplit=1)[0]
    if stem and not any(t.startswith(stem) for t in doc.tokens):
        return False
    return _regex(r"\b" + body + r"\b", text)


def _near(node: Near, doc: Doc, exact: bool) -> bool:
    for a, b in zip(node.operands, node.operands[1:], strict=False):
        sa, sb = _spans(_as_prefix(a), doc), _spans(_as_prefix(b), doc)
        if not any(0 <= y0 - x1 - 1 <= node.distance or 0 <= x0 - y1 - 1 <= node.distance
                   for x0, x1 in sa for y0, y1 in sb):
            return False
    return all(_leaf(o, doc, exact) for o in node.operands)


def _as_prefix(node: Term | Wild) -> Term | Wild:
    if isinstance(node, Term):
        return node
    return Wild(re.split(r"[*?]", node.pattern, maxsplit=1)[0] + "*", node.raw)


def _leaf(node: Term | Wild, doc: Doc, exact: bool) -> bool:
    if isinstance(node, Term):
        return bool(_spans(node, doc)) and (not exact or _exact_ok(node, doc))
    return _wild_ok(node, doc, exact)


def _field(node: Field, doc: Doc) -> bool:
    v = node.value

    def like(text: str, pattern: str) -> bool:
        return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))

    if node.name == "source":
        s = doc.source or ""
        return like(s, v.lower()) if node.wildcard else s == v.lower()
    if node.name == "kind":
        return like(doc.kind, v) if node.wildcard else doc.kind == v
    if node.name == "url":
        u = (doc.url or "").lower()
        return like(u, v.lower()) if node.wildcard else v.lower() in u
    if node.name == "label":
        task, _, lab = v.rpartition(":")
        return any((not task or t == task) and (like(lb, lab) if node.wildcard else lb == lab)
                   for t, lb in doc.labels)
    have = doc.tags.get(node.name, set())
    if node.wildcard:
        from vimon.store.querylang import fold

        pat = "-".join(re.findall(r"[a-z0-9*?]+", fold(v))) or "*"
        return any(like(k, pat) for k in have)
    return bool(have & set(tag_keys(node.name, v)))


def evaluate(node: Node | None, doc: Doc, exact: bool = False) -> bool:
    if node is None:
        return True
    if isinstance(node, Term | Wild):
        return _leaf(node, doc, exact)
    if isinstance(node, And):
        return all(evaluate(c, doc, exact) for c in node.children)
    if isinstance(node, Or):
        return any(evaluate(c, doc, exact) for c in node.children)
    if isinstance(node, Not):
        return not evaluate(node.child, doc, exact)
    if isinstance(node, Near):
        return _near(node, doc, exact)
    if isinstance(node, Field):
        return _field(node, doc)
    assert isinstance(node, DateRange)
    at = doc.published_at
    if at is None:
        return False
    return (node.start is None or at >= node.start) and (node.end is None or at < node.end)


def matches(query: Query, doc: Doc) -> bool:
    return evaluate(query.root, doc, query.exact)
