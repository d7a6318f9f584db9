"""Claim matching: is this text repeating a claim that has been debunked?

A claim is short (one sentence) and the posts repeating it are long, so set similarity
(Jaccard) between the two is low even for a verbatim repeat. We use *containment* instead:
the share of the claim's syllable pairs (on diacritic-folded text) found in the item. Word
pairs, not single syllables: Vietnamese syllables repeat across unrelated texts ("hà nội",
"người dân"), pairs carry the claim's wording. The explanation lists the pairs found.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"[a-z0-9]+")
MIN_PAIRS = 3  # a claim of fewer than 4 syllables is too generic to match on its own


def pairs(folded: str) -> set[str]:
    toks = _TOKEN.findall(folded or "")
    return {f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)}


def containment(claim: set[str], text: set[str]) -> float:
    if len(claim) < MIN_PAIRS:
        return 0.0
    return len(claim & text) / len(claim)


def match(claims: list[dict[str, Any]], folded: str, threshold: float) -> list[dict[str, Any]]:
    """Debunks whose claim this text contains; each with its score and the matched phrases."""
    if not claims:
        return []
    mine = pairs(folded)
    out = []
    for c in claims:
        cp = c["_pairs"] if "_pairs" in c else pairs(c["claim_folded"])
        score = containment(cp, mine)
        if score >= threshold:
            found = sorted(cp & mine)
            out.append({"debunk_id": c["id"], "slug": c["slug"], "score": round(score, 3),
                        "method": "claim_containment",
                        "explanation": f"chứa {len(found)}/{len(cp)} cụm từ của nhận định",
                        "phrases": found[:12]})
    return out
