"""The vimon query language: one parser, two compilers (SQLite FTS5 and PostgreSQL tsquery).

Ngôn ngữ truy vấn dùng chung cho giao diện web, ``vimon search``, API và tìm kiếm đã lưu.

Grammar (precedence from loosest to tightest: OR, AND, NEAR, NOT)::

    query   := or EOF
    or      := and ((OR | HOẶC) and)*
    and     := near ((AND | VÀ)? near)*            adjacent clauses are ANDed
    near    := unary (NEAR/n unary)*               n = tokens allowed between (default 10)
    unary   := (NOT | KHÔNG | -) unary | primary
    primary := '(' or ')' | WORD | "PHRASE" | FIELD ':' (WORD | "PHRASE")

Operators are upper case only, so the common Vietnamese words "và", "hoặc", "không" stay
search words. A word may hold the wildcards ``*`` (any run of letters) and ``?`` (one
letter); ``\\`` escapes the next character. Matching is on the diacritic-folded text unless
``exact=True``, which also requires the diacritics as typed (case still ignored).

Every malformed query raises :class:`QuerySyntaxError` with the character position; no other
exception escapes :func:`parse` (a hypothesis test fuzzes this).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from vimon.errors import VimonError
from vimon.text import fold, normalize

FIELDS = ("source", "kind", "topic", "label", "sentiment", "district", "author", "url", "tag",
          "date")
# Vietnamese field names, folded, as aliases.
FIELD_ALIASES = {"nguon": "source", "loai": "kind", "chude": "topic", "nhan": "label",
                 "sacthai": "sentiment", "quan": "district", "diaban": "district",
                 "tacgia": "author", "ngay": "date", "the": "tag"}
OPS = {"AND": "AND", "VÀ": "AND", "OR": "OR", "HOẶC": "OR", "NOT": "NOT", "KHÔNG": "NOT"}
NEAR_DEFAULT = 10
NEAR_MAX = 50
MAX_QUERY_CHARS = 2000
MAX_DEPTH = 40
_TOKEN = re.compile(r"[^\W_]+")
_NEAR = re.compile(r"NEAR(?:/(\d{1,4}))?$")
LOCAL_OFFSET = timedelta(hours=7)


class QuerySyntaxError(VimonError):
    """A query that cannot be parsed; ``position`` is a 0-based character offset."""

    exit_code = 2

    def __init__(self, query: str, position: int, message: str) -> None:
        self.query = query
        self.position = max(0, min(position, len(query)))
        super().__init__("VM-QRY-001", f"Lỗi cú pháp truy vấn tại ký tự {self.position + 1}: "
                         f"{message}", "Xem cú pháp trong docs/search.md.")
        self.detail = message

    def pointer(self) -> str:
        """The query and a caret under the faulty position (for terminals and <pre>)."""
        line = self.query.replace("\n", " ").replace("\t", " ")
        return f"{line}\n{' ' * self.position}^"


# ----------------------------------------------------------------------------- the tree
@dataclass(frozen=True)
class Term:
    """One or more folded tokens in sequence (several tokens = a phrase)."""

    tokens: tuple[str, ...]
    raw: str  # as typed, normalized (for exact-diacritics matching and highlighting)
    phrase: bool = False


@dataclass(frozen=True)
class Wild:
    pattern: str  # folded, with * and ?
    raw: str


@dataclass(frozen=True)
class Near:
    operands: tuple[Term | Wild, ...]
    distance: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    wildcard: bool = False


@dataclass(frozen=True)
class DateRange:
    start: datetime | None  # naive UTC, inclusive
    end: datetime | None  # naive UTC, exclusive


Node = Term | Wild | Near | And | Or | Not | Field | DateRange


@dataclass
class Query:
    """A parsed query: its tree (None = everything) and the options it was parsed with."""

    text: str
    root: Node | None
    exact: bool = False
    terms: list[str] = field(default_factory=list)  # positive text terms, for highlighting

    @property
    def empty(self) -> bool:
        return self.root is None


# ----------------------------------------------------------------------------- lexer
@dataclass
class _Tok:
    kind: str  # WORD PHRASE FIELD LP RP OP NEAR NEG EOF
    pos: int
    text: str = ""
    value: str = ""  # FIELD: the value; WORD/PHRASE: unescaped text
    quoted: bool = False
    wild: bool = False
    n: int = NEAR_DEFAULT


_SPECIAL = set('()"')


def _read_quoted(q: str, i: int) -> tuple[str, int]:
    """Read a "…" string starting at q[i] == '"'; returns (text, index after closing quote)."""
    start = i
    i += 1
    out = []
    while i < len(q):
        c = q[i]
        if c == "\\" and i + 1 < len(q):
            out.append(q[i + 1])
            i += 2
            continue
        if c == '"':
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise QuerySyntaxError(q, start, "thiếu dấu ngoặc kép đóng / unterminated quote")


def _read_word(q: str, i: int) -> tuple[str, str, bool, int]:
    """A bare word: (raw slice, unescaped text, has unescaped wildcard, end index)."""
    start = i
    out = []
    wild = False
    while i < len(q) and not q[i].isspace() and q[i] not in _SPECIAL:
        c = q[i]
        if c == "\\":
            if i + 1 < len(q):
                out.append(q[i + 1])
                i += 2
                continue
            i += 1
            continue
        if c in "*?":
            wild = True
        out.append(c)
        i += 1
    return q[start:i], "".join(out), wild, i


def _field_name(word: str) -> tuple[str | None, int]:
    """('source', len('source:')) when ``word`` starts with an unescaped known field."""
    m = re.match(r"([^\W\d_]+):", word)
    if not m:
        return None, 0
    name = m.group(1).lower()
    name = FIELD_ALIASES.get(fold(name), name)
    return (name if name in FIELDS else "?" + m.group(1)), m.end()


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(q):
        c = q[i]
        if c.isspace():
            i += 1
        elif c == "(":
            toks.append(_Tok("LP", i))
            i += 1
        elif c == ")":
            toks.append(_Tok("RP", i))
            i += 1
        elif c == '"':
            text, j = _read_quoted(q, i)
            toks.append(_Tok("PHRASE", i, q[i:j], text, quoted=True))
            i = j
        elif c == "-" and i + 1 < len(q) and not q[i + 1].isspace() and q[i + 1] != "-" \
                and (not toks or toks[-1].kind in ("LP", "OP", "NEAR", "NEG")
                     or q[i - 1].isspace()):
            toks.append(_Tok("NEG", i, "-"))
            i += 1
        else:
            raw, text, wild, j = _read_word(q, i)
            norm_op = normalize(raw)
            if norm_op in OPS and "\\" not in raw:
                toks.append(_Tok("OP", i, norm_op, OPS[norm_op]))
            elif (m := _NEAR.match(raw)) is not None:
                n = int(m.group(1)) if m.group(1) else NEAR_DEFAULT
                if n > NEAR_MAX:
                    raise QuerySyntaxError(q, i, f"NEAR/n: n tối đa {NEAR_MAX} / n at most {NEAR_MAX}")
                toks.append(_Tok("NEAR", i, raw, n=n))
            else:
                name, cut = _field_name(raw) if "\\" not in raw[: raw.find(":") + 1] else (None, 0)
                if name is not None:
                    if name.startswith("?"):
                        raise QuerySyntaxError(
                            q, i, f"không có trường '{name[1:]}' / unknown field; dùng: "
                            f"{', '.join(FIELDS)} (đặt trong \"…\" nếu là văn bản)")
                    vpos = i + cut
                    if vpos < len(q) and q[vpos] == '"':
                        value, j = _read_quoted(q, vpos)
                        toks.append(_Tok("FIELD", i, name, value, quoted=True))
                    else:
                        _, value, wild, j = _read_word(q, vpos)
                        if not value:
                            raise QuerySyntaxError(q, vpos, f"trường '{name}:' thiếu giá trị / "
                                                   "field without a value")
                        toks.append(_Tok("FIELD", i, name, value, wild=wild))
                elif any(ch.isalnum() for ch in text) or wild:
                    toks.append(_Tok("WORD", i, raw, text, wild=wild))
                # else: punctuation only ("," "!!!"): nothing to search, skip it like a space
            i = max(j, i + 1)
    toks.append(_Tok("EOF", len(q)))
    return toks


# ----------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, q: str, toks: list[_Tok], now: datetime | None) -> None:
        self.q, self.toks, self.i, self.depth = q, toks, 0, 0
        self.now = now
        self.terms: list[str] = []

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, tok: _Tok, msg: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.q, tok.pos, msg)

    def parse(self) -> Node | None:
        if self.peek().kind == "EOF":
            return None
        node = self.or_()
        t = self.peek()
        if t.kind == "RP":
            raise self.error(t, "dấu ')' thừa / unmatched ')'")
        if t.kind != "EOF":  # pragma: no cover - every other token starts a clause
            raise self.error(t, f"không hiểu '{t.text}' / unexpected token")
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek().kind == "OP" and self.peek().value == "OR":
            op = self.take()
            if self.peek().kind in ("EOF", "RP") or (self.peek().kind == "OP"
                                                     and self.peek().value != "NOT"):
                raise self.error(op, f"'{op.text}' thiếu vế phải / missing right operand")
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.near()]
        while True:
            t = self.peek()
            if t.kind == "OP" and t.value == "AND":
                self.take()
                nxt = self.peek()
                if nxt.kind in ("EOF", "RP") or (nxt.kind == "OP" and nxt.value != "NOT"):
                    raise self.error(t, f"'{t.text}' thiếu vế phải / missing right operand")
                parts.append(self.near())
            elif t.kind in ("WORD", "PHRASE", "FIELD", "LP", "NEG") or (
                    t.kind == "OP" and t.value == "NOT"):
                parts.append(self.near())
            else:
                break
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def near(self) -> Node:
        first_tok = self.peek()
        left = self.unary()
        if self.peek().kind != "NEAR":
            return left
        operands = [left]
        n = self.peek().n
        while self.peek().kind == "NEAR":
            op = self.take()
            if op.n != n:
                raise self.error(op, "các NEAR liền nhau phải cùng khoảng cách / chained NEAR "
                                 "must use one distance")
            if self.peek().kind in ("EOF", "RP", "OP", "NEAR"):
                raise self.error(op, "NEAR thiếu vế phải / missing right operand")
            rt = self.peek()
            operands.append(self.unary())
            if not isinstance(operands[-1], Term | Wild):
                raise self.error(rt, "vế của NEAR phải là từ hoặc cụm từ / NEAR takes words "
                                 "or phrases")
        if not isinstance(operands[0], Term | Wild):
            raise self.error(first_tok, "vế của NEAR phải là từ hoặc cụm từ / NEAR takes words "
                             "or phrases")
        return Near(tuple(operands), n)  # type: ignore[arg-type]

    def unary(self) -> Node:
        t = self.peek()
        if (t.kind == "OP" and t.value == "NOT") or t.kind == "NEG":
            self.take()
            if self.peek().kind in ("EOF", "RP") or (self.peek().kind == "OP"
                                                     and self.peek().value != "NOT"):
                raise self.error(t, f"'{t.text}' thiếu vế / missing operand")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(t, "truy vấn lồng quá sâu / nested too deeply")
            child = self.unary()
            self.depth -= 1
            return Not(child)
        return self.primary()

    def primary(self) -> Node:
        t = self.take()
        if t.kind == "LP":
            if self.peek().kind == "RP":
                raise self.error(t, "cặp ngoặc rỗng / empty parentheses")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(t, "truy vấn lồng quá sâu / nested too deeply")
            node = self.or_()
            self.depth -= 1
            close = self.take()
            if close.kind != "RP":
                raise self.error(t, "thiếu dấu ')' / missing ')'")
            return node
        if t.kind == "WORD":
            return self.word(t)
        if t.kind == "PHRASE":
            tokens = tuple(_TOKEN.findall(fold(t.value)))
            if not tokens:
                raise self.error(t, "cụm từ rỗng / empty phrase")
            raw = normalize(t.value)
            self.terms.append(raw)
            return Term(tokens, raw, phrase=True)
        if t.kind == "FIELD":
            return self.field(t)
        if t.kind == "EOF":
            raise self.error(t, "truy vấn kết thúc đột ngột / query ends too early")
        if t.kind == "RP":
            raise self.error(t, "dấu ')' thừa / unmatched ')'")
        if t.kind == "NEAR":
            raise self.error(t, "NEAR thiếu vế trái / missing left operand")
        raise self.error(t, f"'{t.text}' thiếu vế trái / missing left operand")

    def word(self, t: _Tok) -> Node:
        raw = normalize(t.value)
        if t.wild:
            pattern = "".join(c if c in "*?" else fold(c) for c in t.value)
            pattern = re.sub(r"[^\w*?]+", "", pattern).replace("_", "")
            pattern = re.sub(r"\*+", "*", pattern)
            if not re.search(r"[a-z0-9]", pattern) and not _TOKEN.search(pattern):
                raise self.error(t, "ký tự đại diện cần ít nhất một chữ / a wildcard needs a "
                                 "letter")
            self.terms.append(raw)
            return Wild(pattern, raw)
        tokens = tuple(_TOKEN.findall(fold(t.value)))
        if not tokens:
            raise self.error(t, "từ không có chữ hoặc số để tìm / nothing searchable in word")
        self.terms.append(raw)
        return Term(tokens, raw, phrase=len(tokens) > 1)

    def field(self, t: _Tok) -> Node:
        name, value = t.text, t.value.strip()
        if not value:
            raise self.error(t, f"trường '{name}:' thiếu giá trị / field without a value")
        if name == "date":
            return self.date(t, value)
        if name == "kind":
            value = value.lower()
        return Field(name, value, wildcard=t.wild and not t.quoted)

    def date(self, t: _Tok, value: str) -> DateRange:
        try:
            return parse_date_range(value, self.now)
        except ValueError as exc:
            raise self.error(t, f"ngày không hợp lệ '{value}': {exc} / invalid date") from None


# ----------------------------------------------------------------------------- dates
_DAY = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_REL = re.compile(r"(\d{1,4})([hdw])$")


def _period(text: str) -> tuple[datetime, datetime]:
    """Local calendar period 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' → (start, end) naive UTC."""
    m = _DAY.match(text)
    if not m:
        raise ValueError("dùng YYYY, YYYY-MM hoặc YYYY-MM-DD")
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if d is not None:
        start = datetime(y, int(mo), int(d))  # type: ignore[arg-type]
        end = start + timedelta(days=1)
    elif mo is not None:
        start = datetime(y, int(mo), 1)
        end = datetime(y + (start.month == 12), start.month % 12 + 1, 1)
    else:
        start, end = datetime(y, 1, 1), datetime(y + 1, 1, 1)
    return start - LOCAL_OFFSET, end - LOCAL_OFFSET


def parse_date_range(value: str, now: datetime | None = None) -> DateRange:
    """``2026-11-05``, ``2026-11``, ``2026-11-01..2026-11-20`` (end day included),
    ``>=2026-11-01``, ``>2026-11-01``, ``<2026-12``, ``<=2026-11-30``, ``7d``/``24h``/``2w``
    (the last N days/hours/weeks). Calendar days are Hanoi days."""
    value = value.strip()
    if (m := _REL.match(value)) is not None:
        from vimon.store.base import utcnow

        now = now or utcnow()
        n, unit = int(m.group(1)), m.group(2)
        delta = {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
        return DateRange(now - delta, None)
    if ".." in value:
        a, b = value.split("..", 1)
        start = _period(a)[0] if a else None
        end = _period(b)[1] if b else None
        if start and end and start >= end:
            raise ValueError("ngày đầu sau ngày cuối / start after end")
        return DateRange(start, end)
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            s, e = _period(value[len(op):])
            return {">=": DateRange(s, None), ">": DateRange(e, None),
                    "<": DateRange(None, s), "<=": DateRange(None, e)}[op]
    s, e = _period(value)
    return DateRange(s, e)


# ----------------------------------------------------------------------------- entry point
def parse(text: str, *, exact: bool = False, now: datetime | None = None) -> Query:
    """Parse ``text``; raises :class:`QuerySyntaxError` (and nothing else) when malformed."""
    if not isinstance(text, str):
        raise QuerySyntaxError(str(text), 0, "truy vấn phải là chuỗi / query must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(text, MAX_QUERY_CHARS, f"truy vấn dài quá {MAX_QUERY_CHARS} ký tự"
                               " / query too long")
    try:
        p = _Parser(text, _lex(text), now)
        root = p.parse()
    except QuerySyntaxError:
        raise
    except (RecursionError, ValueError, OverflowError) as exc:  # pragma: no cover - safety net
        raise QuerySyntaxError(text, 0, f"truy vấn không hợp lệ / invalid query ({exc})") from None
    return Query(text, root, exact, p.terms)


def parse_lenient(text: str, *, exact: bool = False) -> Query:
    """Like :func:`parse`, but a malformed query falls back to all of its words (AND)."""
    try:
        return parse(text, exact=exact)
    except QuerySyntaxError:
        words = _TOKEN.findall(fold(str(text)[:MAX_QUERY_CHARS]))
        nodes = [Term((w,), w) for w in words]
        root: Node | None = None if not nodes else nodes[0] if len(nodes) == 1 else And(
            tuple(nodes))
        return Query(str(text), root, exact, list(words))


def describe(node: Node | None) -> str:
    """A canonical, fully parenthesised rendering (tests, logs, the UI's "hiểu là")."""
    if node is None:
        return "*"
    if isinstance(node, Term):
        return '"' + " ".join(node.tokens) + '"' if node.phrase else node.tokens[0]
    if isinstance(node, Wild):
        return node.pattern
    if isinstance(node, Near):
        return f"NEAR/{node.distance}(" + " ".join(describe(o) for o in node.operands) + ")"
    if isinstance(node, And):
        return "(" + " AND ".join(describe(c) for c in node.children) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(describe(c) for c in node.children) + ")"
    if isinstance(node, Not):
        return "NOT " + describe(node.child)
    if isinstance(node, Field):
        return f"{node.name}:{node.value}" + ("(*)" if node.wildcard else "")
    s = node.start.isoformat() if node.start else ""
    e = node.end.isoformat() if node.end else ""
    return f"date:[{s},{e})"


# ============================================================================= compilers
# A maximal subtree of plain text (words, phrases, prefixes, NEAR, and AND/OR/NOT over them)
# becomes ONE full-text expression: an FTS5 MATCH on SQLite, a tsquery on PostgreSQL, so the
# index does the boolean work. Fields, infix wildcards and exact-diacritics checks are SQL
# conditions combined around those expressions.

@lru_cache(maxsize=65536)  # tag values repeat (topics, sentiments, districts, authors)
def slug(value: str) -> str:
    """The folded key item_tags stores and field queries compare: 'Giao thông' → 'giao-thong'."""
    return "-".join(_TOKEN.findall(fold(value)))


def _is_prefix(w: Wild) -> bool:
    return w.pattern.endswith("*") and "*" not in w.pattern[:-1] and "?" not in w.pattern


def _like(value: str) -> str:
    esc = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return esc.replace("*", "%").replace("?", "_")


class _Compiler:
    def __init__(self, dialect: str, exact: bool) -> None:
        self.pg = dialect == "postgresql"
        self.exact = exact

    # --- full-text strings (None = not expressible as one) ---
    def _lit(self, tok: str) -> str:
        return f"'{tok}'" if self.pg else f'"{tok}"'

    def _operand(self, node: Term | Wild) -> str:
        if isinstance(node, Wild):
            stem = node.pattern[:-1]
            return f"'{stem}':*" if self.pg else f'"{stem}"*'
        if self.pg:
            inner = " <-> ".join(self._lit(t) for t in node.tokens)
            return f"({inner})" if len(node.tokens) > 1 else inner
        return '"' + " ".join(node.tokens) + '"'

    def fts(self, node: Node) -> str | None:
        if isinstance(node, Term):
            return None if self.exact else self._operand(node)
        if isinstance(node, Wild):
            return self._operand(node) if _is_prefix(node) and not self.exact else None
        if isinstance(node, Near):
            if self.exact or not all(isinstance(o, Term) or _is_prefix(o) for o in node.operands):
                return None
            pairs = []
            for a, b in zip(node.operands, node.operands[1:], strict=False):
                x, y = self._operand(a), self._operand(b)
                if self.pg:
                    alts = [f"{x} <{k}> {y} | {y} <{k}> {x}" for k in range(1, node.distance + 2)]
                    pairs.append("(" + " | ".join(alts) + ")")
                else:
                    pairs.append(f"NEAR({x} {y}, {node.distance})")
            return "(" + (" & " if self.pg else " AND ").join(pairs) + ")"
        if isinstance(node, Not):
            if not self.pg:
                return None  # FTS5 NOT is binary: handled by the AND grouping below
            inner = self.fts(node.child)
            return None if inner is None else f"!{inner}"
        if isinstance(node, Or):
            parts = [self.fts(c) for c in node.children]
            if any(p is None for p in parts):
                return None
            return "(" + (" | " if self.pg else " OR ").join(parts) + ")"  # type: ignore[arg-type]
        if isinstance(node, And):
            pos, neg, rest = self._split_and(node)
            if rest or not pos:
                return None
            return self._and_text(pos, neg)
        return None

    def _split_and(self, node: And) -> tuple[list[str], list[str], list[Node]]:
        pos: list[str] = []
        neg: list[str] = []
        rest: list[Node] = []
        for c in node.children:
            if not self.pg and isinstance(c, Not) and (s := self.fts(c.child)) is not None:
                neg.append(s)
            elif (s := self.fts(c)) is not None:
                pos.append(s)
            else:
                rest.append(c)
        return pos, neg, rest

    def _and_text(self, pos: list[str], neg: list[str]) -> str:
        if self.pg:
            return "(" + " & ".join(pos + neg) + ")"
        s = "(" + " AND ".join(pos) + ")"
        if neg:
            s += " NOT (" + " OR ".join(neg) + ")"
        return s

    # --- SQL conditions ---
    def match(self, fts: str) -> Any:
        from sqlalchemy import func, literal_column, select, table

        from vimon.store.schema import items

        if self.pg:
            return literal_column("items.folded_tsv").op("@@")(func.to_tsquery("simple", fts))
        # An anonymous bind per MATCH: one statement may hold several.
        sub: Any = select(literal_column("rowid")).select_from(table("items_fts")).where(
            literal_column("items_fts").op("MATCH")(fts))
        return items.c.id.in_(sub)

    def regex(self, col: Any, body: str) -> Any:
        if self.pg:
            return col.regexp_match(body.replace(r"\b", r"\y"), flags="i")
        return col.regexp_match("(?i)" + body)

    def sql(self, node: Node) -> Any:
        from sqlalchemy import and_, not_, or_

        s = self.fts(node)
        if s is not None:
            return self.match(s)
        if isinstance(node, And):
            pos, neg, rest = self._split_and(node)
            conds = []
            if pos:
                conds.append(self.match(self._and_text(pos, neg)))
            elif neg:
                conds.append(not_(self.match("(" + " OR ".join(neg) + ")")))
            conds += [self.sql(c) for c in rest]
            return and_(*conds)
        if isinstance(node, Or):
            text_parts = [p for c in node.children if (p := self.fts(c)) is not None]
            conds = [self.match("(" + " OR ".join(text_parts) + ")")] if len(text_parts) > 1 \
                else [self.match(p) for p in text_parts]
            conds += [self.sql(c) for c in node.children if self.fts(c) is None]
            return or_(*conds)
        if isinstance(node, Not):
            return not_(self.sql(node.child))
        if isinstance(node, Term | Wild):
            return self.leaf(node)
        if isinstance(node, Near):  # exact mode or infix wildcards: each operand, then NEAR
            plain = _Compiler("postgresql" if self.pg else "sqlite", False)
            ops = tuple(o if isinstance(o, Term) else Wild(o.pattern.split("*")[0].split("?")[0]
                                                           + "*", o.raw)
                        for o in node.operands)
            base = plain.fts(Near(ops, node.distance)) if all(
                isinstance(o, Term) or len(o.pattern) > 1 for o in ops) else None
            conds = [self.leaf(o) for o in node.operands]
            if base is not None:
                conds.insert(0, self.match(base))
            return and_(*conds)
        if isinstance(node, Field):
            return self.field(node)
        return self.date(node)

    def leaf(self, node: Term | Wild) -> Any:
        from sqlalchemy import and_, func

        from vimon.store.schema import items

        conds = []
        if isinstance(node, Term):
            conds.append(self.match(self._operand(node)))
            if self.exact:
                words = [re.escape(w) for w in re.findall(r"[^\W_]+", node.raw.lower())]
                body = r"\b" + r"[\W_]+".join(words) + r"\b"
                text_col = func.coalesce(items.c.title, "") + " " + items.c.text_norm
                conds.append(self.regex(text_col, body))
            return and_(*conds)
        stem = re.split(r"[*?]", node.pattern, maxsplit=1)[0]
        if stem:
            conds.append(self.match(self._operand(Wild(stem + "*", node.raw))))
        if not _is_prefix(node) or self.exact:
            if self.exact:
                src = re.sub(r"[^\w*?]+", "", node.raw.lower()).replace("_", "")
                col = func.coalesce(items.c.title, "") + " " + items.c.text_norm
            else:
                src, col = node.pattern, items.c.folded
            body = "".join(r"[^\W_]*" if c == "*" else r"[^\W_]" if c == "?" else re.escape(c)
                           for c in src)
            conds.append(self.regex(col, r"\b" + body + r"\b"))
        return and_(*conds)

    def field(self, node: Field) -> Any:
        from sqlalchemy import exists, func, select

        from vimon.store import schema

        # Aliases: the outer query may join these tables itself (no auto-correlation).
        items = schema.items
        sources, labels = schema.sources.alias("q_src"), schema.labels.alias("q_lab")
        item_tags = schema.item_tags.alias("q_tag")
        v = node.value
        if node.name == "source":
            key = sources.c.key.like(_like(v.lower()), escape="\\") if node.wildcard \
                else sources.c.key == v.lower()
            # Not correlated: the planner can walk ix_items_source_published for it.
            return items.c.source_id.in_(select(sources.c.id).where(key))
        if node.name == "kind":
            return items.c.kind.like(_like(v), escape="\\") if node.wildcard else items.c.kind == v
        if node.name == "url":
            pattern = _like(v.lower()) if node.wildcard else "%" + _like(v.lower()) + "%"
            return func.lower(func.coalesce(items.c.url, "")).like(pattern, escape="\\")
        if node.name == "label":
            task, _, lab = v.rpartition(":")
            conds: list[Any] = [labels.c.item_id == items.c.id,
                     labels.c.label.like(_like(lab), escape="\\") if node.wildcard
                     else labels.c.label == lab]
            if task:
                conds.append(labels.c.task == task)
            return exists(select(labels.c.item_id).where(*conds))
        return exists(select(item_tags.c.item_id).where(
            item_tags.c.item_id == items.c.id, item_tags.c.kind == node.name,
            tag_key_condition(node, item_tags.c.key)))

    def date(self, node: DateRange) -> Any:
        from sqlalchemy import and_

        from vimon.store.schema import items

        conds: list[Any] = [items.c.published_at.is_not(None)]  # NOT date:… keeps undated items
        if node.start is not None:
            conds.append(items.c.published_at >= node.start)
        if node.end is not None:
            conds.append(items.c.published_at < node.end)
        return and_(*conds)


SENTIMENT_ALIASES = {"tich-cuc": "positive", "tieu-cuc": "negative", "trung-lap": "neutral",
                     "trung-tinh": "neutral", "pos": "positive", "neg": "negative"}


TAG_FIELDS = ("topic", "sentiment", "district", "author", "tag")  # stored in item_tags


def tag_key_condition(node: Field, key: Any) -> Any:
    """The condition on an ``item_tags.key`` column for a tag field (``node.name`` in
    TAG_FIELDS): its stored keys, or a LIKE pattern for a wildcard value."""
    if node.wildcard:
        pat = "-".join(_like(t) for t in re.findall(r"[a-z0-9*?]+", fold(node.value)))
        return key.like(pat or "%", escape="\\")
    keys = tag_keys(node.name, node.value)
    return key.in_(keys) if len(keys) > 1 else key == keys[0]


def tag_keys(kind: str, value: str) -> list[str]:
    """The stored keys a field value stands for (sentiment words, district aliases)."""
    key = slug(value)
    if kind == "sentiment":
        return [SENTIMENT_ALIASES.get(key, key)]
    if kind == "district":
        from vimon.detect import gazetteer

        found = gazetteer().district_keys(value)
        return sorted(found) if found else [key]
    return [key]


class _ProbeCompiler(_Compiler):
    """Row-local conditions for SQLite plans that walk an index and test each row: text
    terms become a regular expression on ``items.folded`` (the same tokens FTS5's unicode61
    tokenizer sees), far cheaper per row than a MATCH probe; NEAR stays an FTS5 probe."""

    def __init__(self) -> None:
        super().__init__("sqlite", False)

    @staticmethod
    def _token_re(tokens: tuple[str, ...] | list[str], prefix: bool = False) -> str:
        body = r"[\W_]+".join(re.escape(t) for t in tokens)
        return r"(?<![^\W_])" + body + (r"[^\W_]*" if prefix else r"(?![^\W_])")

    def fts(self, node: Node) -> str | None:  # never one MATCH for the whole tree
        return None

    def sql(self, node: Node) -> Any:
        from sqlalchemy import and_, not_, or_

        if isinstance(node, And):
            return and_(*(self.sql(c) for c in node.children))
        if isinstance(node, Or):
            return or_(*(self.sql(c) for c in node.children))
        if isinstance(node, Not):
            return not_(self.sql(node.child))
        return super().sql(node)

    def leaf(self, node: Term | Wild) -> Any:
        from sqlalchemy import and_, func

        from vimon.store.schema import items

        if isinstance(node, Term):
            tokens, prefix = list(node.tokens), False
        elif _is_prefix(node):
            tokens, prefix = [node.pattern[:-1]], True
        else:
            return super().leaf(node)
        # instr() first: a C substring test rejects most rows before the (Python) regex runs.
        return and_(func.instr(items.c.folded, max(tokens, key=len)) > 0,
                    self.regex(items.c.folded, self._token_re(tokens, prefix)))

    def match(self, fts: str) -> Any:  # NEAR: one FTS5 probe for this row
        from sqlalchemy import exists, literal_column, select, table

        from vimon.store.schema import items

        return exists(select(literal_column("1")).select_from(table("items_fts")).where(
            literal_column("items_fts").op("MATCH")(fts),
            literal_column("items_fts.rowid") == items.c.id))


def split_text(query: Query, dialect: str) -> tuple[str | None, list[Node]]:
    """The query as (one full-text expression for its text conjuncts, the other conjuncts);
    (None, [root]) when no conjunct is plain text."""
    root = query.root
    if root is None:
        return None, []
    c = _Compiler(dialect, query.exact)
    whole = c.fts(root)
    if whole is not None:
        return whole, []
    if isinstance(root, And):
        pos, neg, rest = c._split_and(root)
        if pos:
            return c._and_text(pos, neg), rest
    return None, [root]


def fts_match(fts: str) -> Any:
    """``items.id IN (FTS5's rowids matching fts)``: a full-text expression as a set."""
    return _Compiler("sqlite", False).match(fts)


def compile_probe(nodes: list[Node]) -> Any:
    """Row-local SQLite condition for ``nodes`` (all must hold); see _ProbeCompiler."""
    from sqlalchemy import and_, true

    if not nodes:
        return true()
    c = _ProbeCompiler()
    return and_(*(c.sql(n) for n in nodes))


def fts_expression(query: Query, dialect: str) -> str | None:
    """The whole query as one full-text expression, when it is plain text only (no fields,
    infix wildcards or exact-diacritics checks); None otherwise."""
    if query.root is None:
        return None
    return _Compiler(dialect, query.exact).fts(query.root)


def compile_where(query: Query, dialect: str) -> Any | None:
    """The SQL condition over ``items`` for a parsed query (None when it matches everything)."""
    if query.root is None:
        return None
    return _Compiler(dialect, query.exact).sql(query.root)
