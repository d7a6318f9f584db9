"""``segment``: Vietnamese word segmentation with underthesea, syllables as a fallback.

underthesea's ``word_tokenize`` runs a CRF model shipped inside the wheel, so it works
offline (checked with sockets disabled); nothing here calls an underthesea function that
downloads. The import takes about half a second, so it happens on first use only. If the
package is missing or broken, ``segment`` returns ``syllables`` instead.

Words come back lowercase with their syllables joined by one space ("hà nội"), punctuation
and emoji dropped, so both paths give the same kind of tokens.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from vimon.text.normalize import normalize
from vimon.text.tokens import syllables

log = logging.getLogger(__name__)

_UNSET = object()
_tokenizer: object = _UNSET  # the loaded word_tokenize, or None when unavailable
_HAS_ALNUM = re.compile(r"[^\W_]")


def _load() -> Callable[[str], list[str]] | None:
    global _tokenizer
    if _tokenizer is _UNSET:
        try:
            from underthesea import word_tokenize
        except Exception as exc:  # ImportError, or a broken install failing at import
            log.warning("underthesea unavailable (%s); segment() falls back to syllables", exc)
            _tokenizer = None
        else:
            _tokenizer = word_tokenize
    return _tokenizer  # type: ignore[return-value]


def segment(text: str) -> list[str]:
    """Lowercase words of ``normalize(text)``, multi-syllable words joined by a space."""
    tokenize = _load()
    norm = normalize(text)
    if tokenize is None:
        return syllables(norm)
    words: list[str] = []
    for line in norm.split("\n"):
        if not line.strip():
            continue
        try:
            tokens = tokenize(line)
        except Exception as exc:  # a model error must not lose the item: degrade instead
            log.warning("underthesea word_tokenize failed (%s); using syllables", exc)
            words.extend(syllables(line))
            continue
        words.extend(t.lower() for t in tokens if _HAS_ALNUM.search(t))
    return words
