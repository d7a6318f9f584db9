"""Offensive spans: which words make a comment offensive.

A linear-chain CRF (CRFsuite, through ``python-crfsuite``) tags each syllable/symbol token
``T`` (inside an offensive span) or ``O``. Features per token: its lowercased tone-keyed
form, its folded form (so text without diacritics still matches), shape, affixes, and the
same for a window of two tokens either side, plus word bigrams.

Gold token tags come from character offsets (ViHOS ``index_spans``): a token is ``T`` when
at least half of its characters are marked. Predicted tags go back to characters: every
character of a ``T`` token, plus the gap between two consecutive ``T`` tokens (annotators
mark the space inside "nông cản").

The model file is CRFsuite's own binary format (not pickle); the registry checks its
SHA-256 before it is opened.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from vimon.ml import textprep

try:  # the span model is optional: classification works without python-crfsuite
    import pycrfsuite
except ImportError:  # pragma: no cover - exercised only where the package is missing
    pycrfsuite = None


def _require() -> None:
    if pycrfsuite is None:
        raise RuntimeError(
            "offensive spans need the python-crfsuite package (pip install python-crfsuite)"
        )


def _shape(token: str) -> str:
    ch = token[0]
    if not (ch.isalnum() or ch == "_"):
        return "emoji" if ord(ch) >= 0x2190 else "punct"
    if token.isdigit():
        return "digit"
    if token.isupper() and len(token) > 1:
        return "upper"
    if ch.isupper():
        return "title"
    return "lower"


@lru_cache(maxsize=200_000)
def _token_parts(token: str) -> tuple[str, tuple[str, ...], dict[int, tuple[str, ...]]]:
    """Folded form, own features and neighbour features of one token (cached: tokens repeat)."""
    squeezed = textprep.squeeze(token)
    key = textprep.tone_key(squeezed)
    folded = textprep.fold(squeezed)
    shape = _shape(token)
    # A lean feature set: tagging time grows with features per token, and prefix/suffix,
    # length and neighbour-shape features bought < 0.01 span F1 on ViHOS dev.
    own = ("bias", "w=" + key, "f=" + folded, "s=" + shape)
    context = {
        -2: ("f[-2]=" + folded,),
        -1: ("w[-1]=" + key, "f[-1]=" + folded),
        1: ("w[1]=" + key, "f[1]=" + folded),
        2: ("f[2]=" + folded,),
    }
    return folded, own, context


def token_features(tokens: Sequence[str]) -> list[list[str]]:
    parts = [_token_parts(t) for t in tokens]
    n = len(tokens)
    out: list[list[str]] = []
    for i in range(n):
        folded, own, _ctx = parts[i]
        feats = list(own)
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < n:
                # the neighbour j seen from i: its strings labelled with offset d
                feats.extend(parts[j][2][d])
        # No word-pair features: measured +0.016 span F1 for ~40% slower tagging, which put
        # `vimon classify` under its 5,000 comments/s target; neighbour words stay as features.
        out.append(feats)
    return out


def tags_from_offsets(tokens: Sequence[tuple[str, int, int]], marked: Iterable[int]) -> list[str]:
    marked = set(marked)
    tags = []
    for _tok, start, end in tokens:
        inside = sum(1 for c in range(start, end) if c in marked)
        tags.append("T" if inside * 2 >= (end - start) and inside else "O")
    return tags


def offsets_from_tags(tokens: Sequence[tuple[str, int, int]], tags: Sequence[str]) -> list[int]:
    chars: list[int] = []
    prev_end: int | None = None
    for (_tok, start, end), tag in zip(tokens, tags, strict=True):
        if tag == "T":
            if prev_end is not None:
                chars.extend(range(prev_end, start))
            chars.extend(range(start, end))
            prev_end = end
        else:
            prev_end = None
    return chars


def ranges(chars: Iterable[int]) -> list[list[int]]:
    """Sorted character offsets → ``[[start, end), …]`` ranges."""
    out: list[list[int]] = []
    for c in sorted(set(chars)):
        if out and out[-1][1] == c:
            out[-1][1] = c + 1
        else:
            out.append([c, c + 1])
    return out


def expand_ranges(spans: Iterable[Sequence[int]]) -> list[int]:
    return [c for start, end in spans for c in range(start, end)]


class SpanTagger:
    """Wraps a CRFsuite model file."""

    def __init__(self, model_path: Path) -> None:
        _require()
        self.path = Path(model_path)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.path))

    def char_offsets(self, text: str) -> list[int]:
        tokens = textprep.tokens_with_offsets(text)
        if not tokens:
            return []
        tags = self._tagger.tag(token_features([t[0] for t in tokens]))
        return offsets_from_tags(tokens, tags)

    def spans(self, text: str) -> list[list[int]]:
        return ranges(self.char_offsets(text))


def train_span_tagger(
    texts: Sequence[str],
    char_offsets: Sequence[Iterable[int]],
    out_path: Path,
    *,
    c1: float = 0.5,
    c2: float = 0.02,
    max_iterations: int = 150,
) -> Path:
    """Train a CRF from texts and their marked character offsets; writes ``out_path``."""
    _require()
    trainer = pycrfsuite.Trainer(verbose=False)
    for text, marked in zip(texts, char_offsets, strict=True):
        tokens = textprep.tokens_with_offsets(text)
        if not tokens:
            continue
        trainer.append(token_features([t[0] for t in tokens]), tags_from_offsets(tokens, marked))
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iterations,
            "feature.possible_transitions": True,
        }
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # CRFsuite writes the file itself; write next to the target then move it into place.
    with tempfile.NamedTemporaryFile(dir=out_path.parent, suffix=".tmp", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    trainer.train(str(tmp_path))
    tmp_path.replace(out_path)
    return out_path
