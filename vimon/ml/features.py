"""Sparse features for informal Vietnamese text.

Two hashed blocks, each TF-IDF weighted (sublinear tf) and L2-normalized on its own:

* ``word``: syllable uni- and bigrams of the lowercased, teencode-expanded text, each
  syllable written in a tone-placement-independent form (``textprep.tone_key``), plus cue
  tokens (emoji, ``!``/``?``, shouting, letter repeats, length, text typed without
  diacritics);
* ``char``: character 2–5-grams inside each word of the folded text (padded with spaces,
  like scikit-learn's ``char_wb``), which carry teencode, misspellings and text typed
  without diacritics.

Features are hashed with MurmurHash3 (x86 32-bit, seed 0, unsigned) modulo the block size.
The hashed indices of each distinct word are cached, so a word seen before costs one dict
lookup: this is what keeps featurization well above 5,000 short comments/s on one core.
Only the IDF of features seen in at least ``min_df`` training texts is kept; every other
feature gets IDF 0 and so drops out, which also keeps stored models small.
"""

from __future__ import annotations

import functools
from array import array
from dataclasses import asdict, dataclass
from itertools import chain, repeat
from operator import attrgetter
from typing import NamedTuple

import mmh3
import numpy as np
import scipy.sparse as sp

from vimon.ml import textprep

_EMOJI_MIN = 0x2190  # arrows, symbols, dingbats, emoji: all count as "emoji-like" cues
_CACHE_LIMIT = 400_000
# Pieces of text (see Featurizer._doc_indices) kept per featurizer: ~300 bytes each.
_CHUNK_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class FeatureConfig:
    word_bits: int = 20
    char_bits: int = 20
    char_min: int = 2
    char_max: int = 5
    word_bigrams: bool = True
    word_weight: float = 1.0
    char_weight: float = 1.0
    min_df: int = 2

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeatureConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _hashes(features: list[str], size: int) -> np.ndarray:
    """``_hash`` of many features (int32), the loop in C."""
    raw = np.fromiter(map(mmh3.hash, features, repeat(0), repeat(False)), np.int64,
                      len(features))
    return (raw % size).astype(np.int32)


def _hash(feature: str, size: int) -> int:
    # MurmurHash3 x86 32-bit of the UTF-8 bytes, unsigned: the same numbers as
    # scikit-learn's murmurhash3_32(seed=0, positive=True), which trained the shipped models,
    # without importing scikit-learn (~1.5 s) in every process that only predicts.
    return mmh3.hash(feature, 0, signed=False) % size


def _spans(size: int, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
    """(start, end) of every n-gram of a ``size``-character string, by n then start."""
    return tuple((i, i + n) for n in range(lo, min(hi, size) + 1) for i in range(size - n + 1))


_word_spans = functools.lru_cache(maxsize=1024)(_spans)  # word-sized strings: a few dozen


def char_ngrams(folded_word: str, lo: int, hi: int) -> list[str]:
    padded = " " + folded_word + " "
    size = len(padded)
    spans = _word_spans(size, lo, hi) if size <= 64 else _spans(size, lo, hi)
    return [padded[i:j] for i, j in spans]


def cue_tokens(text: str, prepared: Prepared, n_words: int, symbols: list[str]) -> list[str]:
    cues = [f"#len{min(n_words // 5, 8)}"]
    if len(text) > 3 and text.isupper():
        cues.append("#shout")
    if prepared.folded == prepared.squeezed and any(ch.isalpha() for ch in prepared.folded):
        cues.append("#nodiac")
    cues.extend(_symbol_cues(symbols))
    if prepared.repeats:
        cues.append("#repeat")
    return cues


@dataclass(frozen=True)
class Prepared:
    squeezed: str
    folded: str
    repeats: int

    @classmethod
    def of(cls, text: str) -> Prepared:
        squeezed, repeats = textprep.squeeze_counted(text)
        return cls(squeezed, squeezed.translate(textprep.FOLD_TABLE), repeats)


def split_tokens(squeezed: str) -> tuple[list[str], list[str]]:
    raw = textprep.TOKEN_RE.findall(squeezed)
    words = [t for t in raw if t[0].isalnum() or t[0] == "_"]
    symbols = [t for t in raw if not (t[0].isalnum() or t[0] == "_")]
    return words, symbols


class _Chunk(NamedTuple):
    """One whitespace-separated piece of a text, prepared (see ``Featurizer._doc_indices``).
    A named tuple: it is built once per distinct piece and read for every occurrence."""

    keys: tuple[str, ...]  # word keys: teencode expanded, tone-keyed
    uni: bytes  # their hashed indices (the unigram features), as int32
    symbol_cues: tuple[str, ...]  # the cues of its punctuation and emoji (see cue_tokens)
    n_words: int  # word tokens before teencode expansion (the length cue counts these)
    repeats: int  # letter runs capped at two
    changed: bool  # folding changed it (it has diacritics)
    alpha: bool  # its folded form has a letter
    chars: bytes  # hashed char n-grams of its folded form, as int32 (joined per text)


def _symbol_cues(symbols: list[str]) -> tuple[str, ...]:
    """The cues ``cue_tokens`` gives for these symbols, in order."""
    cues: list[str] = []
    for sym in symbols:
        if sym in "!?":
            cues.append("#" + sym)
        elif ord(sym[0]) >= _EMOJI_MIN:
            cues.append("#emoji")
            cues.append("e:" + sym)
    return tuple(cues)


_KEYS = attrgetter("keys")
_UNI = attrgetter("uni")
_SYMBOL_CUES = attrgetter("symbol_cues")
_N_WORDS = attrgetter("n_words")
_REPEATS = attrgetter("repeats")
_CHANGED = attrgetter("changed")
_ALPHA = attrgetter("alpha")
_CHARS = attrgetter("chars")


class Featurizer:
    """Hashed word + char TF-IDF; ``fit`` learns only the IDF of frequent-enough features."""

    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()
        self.word_size = 2**self.config.word_bits
        self.char_size = 2**self.config.char_bits
        self.word_idf: np.ndarray | None = None
        self.char_idf: np.ndarray | None = None
        # Features with a non-zero IDF, in stacked (word, then char) index order: the
        # model's columns. ``_remap`` maps a stacked index to its column (or -1).
        self.columns: np.ndarray = np.zeros(0, np.int32)
        self._remap: np.ndarray = np.zeros(0, np.int32)
        self._word_cache: dict[str, int] = {}
        self._char_cache: dict[str, bytes] = {}
        self._chunk_cache: dict[str, _Chunk] = {}

    @property
    def n_features(self) -> int:
        """Number of model columns (features with a non-zero IDF)."""
        return len(self.columns)

    def column(self, stacked_index: int) -> int:
        return int(self._remap[stacked_index])

    # -- hashing with caches ------------------------------------------------------------
    def word_index(self, feature: str) -> int:
        idx = self._word_cache.get(feature)
        if idx is None:
            if len(self._word_cache) > _CACHE_LIMIT:
                self._word_cache.clear()
            idx = self._word_cache[feature] = _hash(feature, self.word_size)
        return idx

    def char_indices(self, folded_word: str) -> np.ndarray:
        return np.frombuffer(self._char_bytes(folded_word), np.int32)

    def _char_bytes(self, folded_word: str) -> bytes:
        """Hashed char n-grams of a folded word as int32 bytes (cached; plain Python
        containers: numpy costs more than it saves on a dozen numbers)."""
        raw = self._char_cache.get(folded_word)
        if raw is None:
            if len(self._char_cache) > _CACHE_LIMIT:
                self._char_cache.clear()
            grams = char_ngrams(folded_word, self.config.char_min, self.config.char_max)
            size = self.char_size
            raw = array("i", [h % size for h in map(mmh3.hash, grams, repeat(0), repeat(False))]
                        ).tobytes()
            self._char_cache[folded_word] = raw
        return raw

    def word_features(self, text: str, prepared: Prepared | None = None) -> list[str]:
        """The word-block feature strings of one text (also used for explanations)."""
        prepared = prepared or Prepared.of(text)
        words, symbols = split_tokens(prepared.squeezed)
        keys = [textprep.tone_key(w) for w in textprep.expand_teencode(words)]
        feats = list(keys)
        if self.config.word_bigrams:
            feats.extend(a + " " + b for a, b in zip(keys, keys[1:], strict=False))
        feats.extend(cue_tokens(text, prepared, len(words), symbols))
        return feats

    def _doc_indices_reference(self, text: str) -> tuple[list[int], np.ndarray]:
        """The features of one text, step by step over the whole text: the definition that
        :meth:`_doc_indices` computes faster (tests check that the two agree)."""
        prepared = Prepared.of(text)
        word_idx = [self.word_index(f) for f in self.word_features(text, prepared)]
        folded = prepared.folded.split()
        if folded:
            char_idx = np.concatenate([self.char_indices(w) for w in folded])
        else:
            char_idx = np.zeros(0, np.int32)
        return word_idx, char_idx

    def _chunk(self, raw: str) -> _Chunk:
        """Everything the features need from one whitespace-free piece of a text."""
        squeezed, repeats = textprep.squeeze_counted(raw)
        words, symbols = split_tokens(squeezed)
        keys = tuple(textprep.tone_key(w) for w in textprep.expand_teencode(words))
        folded = squeezed.translate(textprep.FOLD_TABLE)
        chars = self._char_bytes(folded) if folded else b""
        uni = array("i", map(self.word_index, keys)).tobytes()
        chunk = _Chunk(keys, uni, _symbol_cues(symbols) if symbols else (), len(words), repeats,
                       folded != squeezed, any(ch.isalpha() for ch in folded), chars)
        if len(self._chunk_cache) > _CHUNK_CACHE_LIMIT:
            self._chunk_cache.clear()
        self._chunk_cache[raw] = chunk
        return chunk

    def _doc_indices(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_doc_indices_reference`, computed per whitespace-separated piece of the
        text with a cache. Every step of the preparation (NFC, lowercasing, joining dotted
        letters, capping repeats, tokens, folding) stays inside such a piece, so a piece
        seen before (most of them, in a language of short syllables) costs one lookup;
        bigrams, which cross pieces, are formed over the joined keys as before."""
        raws = text.split()
        chunks: list[_Chunk] = list(map(self._chunk_cache.get, raws))  # type: ignore[arg-type]
        try:
            uni = b"".join(map(_UNI, chunks))
        except AttributeError:  # a piece not seen before (None): asking first costs more
            chunks = [self._chunk(r) if c is None else c for r, c in zip(raws, chunks, strict=True)]
            uni = b"".join(map(_UNI, chunks))
        blocks = [np.frombuffer(uni, np.int32)]
        if self.config.word_bigrams and len(blocks[0]) > 1:
            # Bigrams are hashed, not looked up: there are too many distinct ones for a
            # cache to stay in the processor's cache (measured: slower than hashing).
            keys = list(chain.from_iterable(map(_KEYS, chunks)))
            blocks.append(_hashes(list(map(" ".join, zip(keys, keys[1:], strict=False))),
                                  self.word_size))
        cues = [f"#len{min(sum(map(_N_WORDS, chunks)) // 5, 8)}"]
        if len(text) > 3 and text.isupper():
            cues.append("#shout")
        if not any(map(_CHANGED, chunks)) and any(map(_ALPHA, chunks)):
            cues.append("#nodiac")
        cues.extend(chain.from_iterable(map(_SYMBOL_CUES, chunks)))
        if any(map(_REPEATS, chunks)):
            cues.append("#repeat")
        blocks.append(np.fromiter(map(self.word_index, cues), np.int32, len(cues)))
        # Pieces keep their indices as raw int32 bytes: joining bytes is ~20× faster than
        # concatenating hundreds of small arrays.
        char_idx = np.frombuffer(b"".join(map(_CHARS, chunks)), np.int32)
        return np.concatenate(blocks), char_idx

    def _counts(self, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        w_ind: list[np.ndarray] = []
        c_ind: list[np.ndarray] = []
        for text in texts:
            w, c = self._doc_indices(text)
            w_ind.append(np.asarray(w, dtype=np.int32))
            c_ind.append(c)
        return (
            _to_csr(w_ind, self.word_size),
            _to_csr(c_ind, self.char_size),
        )

    # -- tf-idf ---------------------------------------------------------------------------
    @staticmethod
    def _idf(counts: sp.csr_matrix, min_df: int) -> np.ndarray:
        n_docs = counts.shape[0]
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
        idf[df < min_df] = 0.0
        return idf

    def fit(self, texts: list[str]) -> Featurizer:
        self.fit_transform(texts)
        return self

    @staticmethod
    def _weight(counts: sp.csr_matrix, idf: np.ndarray, scale: float) -> sp.csr_matrix:
        x = counts
        x.data = (1.0 + np.log(x.data)) * idf[x.indices]
        sq = np.add.reduceat(np.append(x.data**2, 0.0), x.indptr[:-1]) if x.nnz else None
        if sq is None:
            return x
        sq[np.diff(x.indptr) == 0] = 0.0
        norms = np.sqrt(sq)
        norms[norms == 0] = 1.0
        x.data *= np.repeat((scale / norms).astype(np.float32), np.diff(x.indptr))
        return x

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        if self.word_idf is None or self.char_idf is None:
            raise RuntimeError("Featurizer is not fitted")
        return self._weighted(*self._counts(texts))

    def counts(self, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Raw hashed counts: they depend on ``config`` only, so models trained with the same
        config (every shipped task) can share them (the costly part: one pass over the text)."""
        return self._counts(texts)

    def transform_counts(self, counts: tuple[sp.csr_matrix, sp.csr_matrix]) -> sp.csr_matrix:
        """``transform`` from ``counts()`` of a featurizer with the same config (not changed)."""
        if self.word_idf is None or self.char_idf is None:
            raise RuntimeError("Featurizer is not fitted")
        return self._weighted(counts[0].copy(), counts[1].copy())

    def _weighted(self, word: sp.csr_matrix, char: sp.csr_matrix) -> sp.csr_matrix:
        assert self.word_idf is not None and self.char_idf is not None
        word = self._weight(word, self.word_idf, self.config.word_weight)
        char = self._weight(char, self.char_idf, self.config.char_weight)
        out = sp.hstack([word, char], format="csr", dtype=np.float32)
        out.eliminate_zeros()
        # Every remaining feature has a non-zero IDF, hence a column: remap in place.
        return sp.csr_matrix(
            (out.data, self._remap[out.indices], out.indptr),
            shape=(out.shape[0], len(self.columns)),
        )

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        word, char = self._counts(texts)
        self.word_idf = self._idf(word, self.config.min_df)
        self.char_idf = self._idf(char, self.config.min_df)
        self._set_columns()
        return self._weighted(word, char)

    def _set_columns(self) -> None:
        idf = self.idf_vector()
        self.columns = np.flatnonzero(idf).astype(np.int32)
        self._remap = np.full(len(idf), -1, np.int32)
        self._remap[self.columns] = np.arange(len(self.columns), dtype=np.int32)

    def idf_vector(self) -> np.ndarray:
        assert self.word_idf is not None and self.char_idf is not None
        return np.concatenate([self.word_idf, self.char_idf])

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that restore this featurizer (for ``.npz`` storage)."""
        return {"columns": self.columns, "idf": self.idf_vector()[self.columns]}

    def load_state(self, columns: np.ndarray, idf: np.ndarray) -> None:
        full = np.zeros(self.word_size + self.char_size, np.float32)
        full[columns] = idf
        self.word_idf = full[: self.word_size].copy()
        self.char_idf = full[self.word_size :].copy()
        self._set_columns()


def _to_csr(rows: list[np.ndarray], n_cols: int) -> sp.csr_matrix:
    """Count matrix of hashed indices: one sort of (row, column) codes for the whole batch
    gives canonical CSR directly (scipy's ``sum_duplicates`` sorted each row's indices
    separately and cost several times more on long articles)."""
    lengths = np.fromiter((len(r) for r in rows), np.int64, len(rows))
    if not lengths.sum():
        return sp.csr_matrix((len(rows), n_cols), dtype=np.float32)
    # 32-bit codes when they fit (a batch of up to 2,047 rows of 2^20 columns): sorting
    # half the bytes takes half the time (measured: 8.8 vs 18.0 ms for 128 articles).
    wide = np.int32 if len(rows) * n_cols < 2**31 else np.int64
    row_of = np.repeat(np.arange(len(rows), dtype=wide), lengths)
    codes = row_of * n_cols + np.concatenate(rows).astype(wide)
    uniq, counts = np.unique(codes, return_counts=True)
    indices = (uniq % n_cols).astype(np.int32)
    indptr = np.zeros(len(rows) + 1, np.int64)
    np.cumsum(np.bincount(uniq // n_cols, minlength=len(rows)), out=indptr[1:])
    mat = sp.csr_matrix((counts.astype(np.float32), indices, indptr), shape=(len(rows), n_cols))
    mat.has_canonical_format = True
    return mat
