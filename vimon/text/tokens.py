"""``syllables``: lowercase syllable tokens of normalized text.

A token is a run of letters and digits (Vietnamese letters included), so punctuation and
emoji are dropped and "covid-19" gives "covid", "19" while "50k" stays one token. A URL is
kept whole as one token (lowercased, trailing punctuation removed): a link is one unit of
meaning for matching and deduplication, and its pieces ("https", "www") are noise.
"""

from __future__ import annotations

import re

from vimon.text.normalize import normalize

_TOKEN_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"]+|[^\W_]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}'\"…"


def syllables(text: str) -> list[str]:
    """Lowercase syllables (letter/digit runs) and whole URLs of ``normalize(text)``."""
    out = []
    for tok in _TOKEN_RE.findall(normalize(text).lower()):
        if len(tok) > 4 and (tok.startswith(("http", "www."))) and not tok.isalnum():
            tok = tok.rstrip(_URL_TAIL)
        out.append(tok)
    return out
