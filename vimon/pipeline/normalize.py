"""Stage ``normalize``: NFC, one tone-mark style, teencode (informal kinds only), folding."""

from __future__ import annotations

from vimon.pipeline.stages import StageContext, register
from vimon.records import Item
from vimon.text import fold, normalize
from vimon.text.fold import fold_tokens

# Teencode expansion is only safe on informal text: newspaper prose has no teencode, and
# expanding there risks changing abbreviations such as "k" in "50k" or proper names.
INFORMAL_KINDS = frozenset({"post", "comment"})


@register("normalize", writes=("text_norm", "title_norm", "folded", "tokens"))
def run(batch: list[Item], ctx: StageContext) -> None:
    for it in batch:
        if "normalize" in it.prepared:
            continue
        it.text_norm = normalize(it.text, teencode=it.kind in INFORMAL_KINDS)
        it.title_norm = normalize(it.title) if it.title else None
        it.folded = fold(f"{it.title_norm}\n{it.text_norm}" if it.title_norm else it.text_norm)
        it.tokens = fold_tokens(it.folded)
