"""Stage ``dedupe``: exact duplicates and near-duplicate story clusters.

- Exact: the idempotency key (``x:<source>:<external id>``, else ``h:<content hash>``) is
  looked up in the store and within the batch; a hit is a duplicate and is not stored again.
- Near: MinHash (datasketch) over syllable shingles of the folded text, split into LSH bands
  whose keys are stored in ``item_bands``; a new item joins the cluster of the most similar
  stored (or earlier in-batch) item whose estimated Jaccard reaches ``dedupe_threshold``,
  else it founds a cluster keyed by its own content hash. Keeping the bands in the database
  (not in process memory) lets any number of workers, and later runs, share one index.

Texts shorter than ``MIN_SHINGLE_TOKENS`` syllables cluster only with exact copies: short
comments ("hay quá", "ok") would otherwise all collapse into one meaningless cluster.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
from datasketch import MinHash

from vimon.pipeline.stages import StageContext, register
from vimon.records import Item

MIN_SHINGLE_TOKENS = 8
_TOKEN = re.compile(r"[a-z0-9]+")
_INT63 = (1 << 63) - 1


def content_hash(folded: str) -> str:
    return hashlib.sha256(" ".join(_TOKEN.findall(folded)).encode()).hexdigest()


def shingles(folded: str, n: int) -> list[bytes]:
    toks = _TOKEN.findall(folded)
    if len(toks) < MIN_SHINGLE_TOKENS:
        return []
    return [" ".join(toks[i : i + n]).encode() for i in range(len(toks) - n + 1)]


def band_keys(sig: np.ndarray, bands: int) -> list[int]:
    rows = len(sig) // bands
    keys = []
    for b in range(bands):
        h = hashlib.blake2b(sig[b * rows : (b + 1) * rows].tobytes(), digest_size=8,
                            person=b.to_bytes(2, "little") + b"vmlsh")
        # signed 63-bit so it fits BIGINT on both databases
        keys.append(int.from_bytes(h.digest(), "little") & _INT63)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


@register(
    "dedupe",
    writes=("content_hash", "dedupe_key", "minhash", "band_keys", "cluster_id", "duplicate",
            "near_duplicate_of"),
)
def run(batch: list[Item], ctx: StageContext) -> None:
    s = ctx.settings
    for it in batch:
        it.content_hash = content_hash(it.folded)
        if it.external_id and it.source:
            it.dedupe_key = f"x:{it.source}:{it.external_id}"[:600]
        else:
            it.dedupe_key = f"h:{it.content_hash}"
    existing = ctx.store.existing_keys([it.dedupe_key for it in batch])
    seen: set[str] = set()
    fresh: list[Item] = []
    for it in batch:
        if it.dedupe_key in existing or it.dedupe_key in seen:
            it.duplicate = True
            ctx.stats["duplicate"] = ctx.stats.get("duplicate", 0) + 1
        else:
            seen.add(it.dedupe_key)
            fresh.append(it)

    sh = [shingles(it.folded, s.dedupe_shingle) for it in fresh]
    with_sh = [i for i, x in enumerate(sh) if x]
    sigs: dict[int, np.ndarray] = {}
    if with_sh:
        hashes = MinHash.bulk([sh[i] for i in with_sh], num_perm=s.dedupe_num_perm)
        for i, mh in zip(with_sh, hashes, strict=True):
            sig = mh.hashvalues.astype(np.uint32)  # values are < 2**32 by construction
            sigs[i] = sig
            fresh[i].minhash = sig.tobytes()
            fresh[i].band_keys = band_keys(sig, s.dedupe_bands)

    stored = ctx.store.band_candidates([k for i in with_sh for k in fresh[i].band_keys])
    by_band: dict[int, list[tuple[Any, str | None, np.ndarray | None]]] = {}
    for key, item_id, cluster_id, mh in stored:
        sig = np.frombuffer(mh, dtype=np.uint32) if mh else None
        by_band.setdefault(key, []).append((item_id, cluster_id, sig))

    for i, it in enumerate(fresh):
        sig = sigs.get(i)
        best: tuple[float, Any, str | None] = (0.0, None, None)
        if sig is not None:
            for key in it.band_keys:
                for ref, cid, other in by_band.get(key, ()):
                    if other is None or len(other) != len(sig):
                        continue
                    sim = similarity(sig, other)
                    if sim > best[0]:
                        best = (sim, ref, cid)
        if best[0] >= s.dedupe_threshold and best[2]:
            it.cluster_id = best[2]
            it.near_duplicate_of = best[1] if isinstance(best[1], int) else None
            ctx.stats["near_duplicate"] = ctx.stats.get("near_duplicate", 0) + 1
        else:
            it.cluster_id = it.content_hash[:16]
        if sig is not None:  # later items of this batch can join this one's cluster
            for key in it.band_keys:
                by_band.setdefault(key, []).append((f"batch:{i}", it.cluster_id, sig))
