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

An item that is a near-exact copy (≥ ``REPRESENTED_AT``) of an indexed item does not add its
own bands: its twin already answers every lookup it would answer. This keeps band lookups
bounded when a spam campaign posts the same text ten thousand times.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from typing import Any

import numpy as np
from datasketch import MinHash

from vimon.pipeline.stages import StageContext, register
from vimon.records import Item

MIN_SHINGLE_TOKENS = 8
REPRESENTED_AT = 0.9
_TOKEN = re.compile(r"[a-z0-9]+")
_MASK63 = np.uint64((1 << 63) - 1)
# Odd 64-bit multipliers for combining a band's rows into one key (wrapping arithmetic).
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53,
                 0x2545F4914F6CDD1D, 0x94D049BB133111EB], dtype=np.uint64)


def content_hash(folded: str) -> str:
    return hashlib.sha256(" ".join(_TOKEN.findall(folded)).encode()).hexdigest()


def shingles(folded: str, n: int) -> list[bytes]:
    toks = _TOKEN.findall(folded)
    if len(toks) < MIN_SHINGLE_TOKENS:
        return []
    return [" ".join(toks[i : i + n]).encode() for i in range(len(toks) - n + 1)]


def band_keys(sigs: np.ndarray, bands: int) -> np.ndarray:
    """LSH band keys for a matrix of signatures (n × num_perm) → (n × bands) int64 ≥ 0."""
    n, perm = sigs.shape
    rows = perm // bands
    if rows > len(_MIX):
        raise ValueError(f"at most {len(_MIX)} rows per band (num_perm / bands)")
    cube = sigs.reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (cube * _MIX[:rows]).sum(axis=2, dtype=np.uint64)
        salt = (np.arange(bands, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x632BE59BD9B4E019)
        keys = (mixed ^ salt) * np.uint64(0x9E3779B97F4A7C15)
        keys ^= keys >> np.uint64(29)
    return (keys & _MASK63).astype(np.int64)


def signatures(texts: list[list[bytes]], num_perm: int) -> np.ndarray:
    # crc32 (C, ~10× faster than the default sha1) is only the base hash: MinHash's random
    # universal permutations on top of it give the independence the Jaccard estimate needs.
    hashes = MinHash.bulk(texts, num_perm=num_perm, hashfunc=zlib.crc32)
    return np.vstack([mh.hashvalues.astype(np.uint32) for mh in hashes])


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
    sig_of: dict[int, np.ndarray] = {}
    keys_of: dict[int, np.ndarray] = {}
    if with_sh:
        sigs = signatures([sh[i] for i in with_sh], s.dedupe_num_perm)
        keys = band_keys(sigs, s.dedupe_bands)
        for row, i in enumerate(with_sh):
            sig_of[i], keys_of[i] = sigs[row], keys[row]
            fresh[i].minhash = sigs[row].tobytes()

    all_keys = np.unique(np.concatenate(list(keys_of.values()))).tolist() if keys_of else []
    # Bands of the previous batch: it may still be on its way to the database.
    recent: dict[str, Any] = ctx.state.get("dedupe", {"refs": {}, "info": {}, "n": 0})
    prev_refs: dict[int, list[Any]] = recent["refs"]
    stored_refs: dict[int, list[Any]] = {}
    ref_info: dict[Any, tuple[str | None, np.ndarray]] = recent["info"]
    for key, item_id, cluster_id, mh in ctx.store.band_candidates(all_keys):
        stored_refs.setdefault(key, []).append(item_id)
        if item_id not in ref_info and mh:
            ref_info[item_id] = (cluster_id, np.frombuffer(mh, dtype=np.uint32))

    batch_no = recent["n"] + 1
    new_refs: dict[int, list[Any]] = {}
    new_info: dict[Any, tuple[str | None, np.ndarray]] = {}
    threshold = s.dedupe_threshold
    empty: tuple[Any, ...] = ()
    for i, it in enumerate(fresh):
        sig = sig_of.get(i)
        best_sim, best_ref, best_cluster = 0.0, None, None
        my_keys: list[int] = []
        if sig is not None:
            my_keys = keys_of[i].tolist()
            refs_set: set[Any] = set()
            for k in my_keys:
                refs_set.update(stored_refs.get(k, empty))
                refs_set.update(prev_refs.get(k, empty))
                refs_set.update(new_refs.get(k, empty))
            if refs_set:
                refs = list(refs_set)
                mat = np.array([ref_info[r][1] for r in refs])
                if mat.shape[1] == sig.shape[0]:
                    sims = (mat == sig).sum(axis=1)
                    j = int(np.argmax(sims))
                    best_sim = float(sims[j]) / sig.shape[0]
                    best_ref, best_cluster = refs[j], ref_info[refs[j]][0]
        if best_sim >= threshold and best_cluster:
            it.cluster_id = best_cluster
            it.near_duplicate_of = best_ref if isinstance(best_ref, int) else None
            ctx.stats["near_duplicate"] = ctx.stats.get("near_duplicate", 0) + 1
        else:
            it.cluster_id = it.content_hash[:16]
        if sig is not None and best_sim < REPRESENTED_AT:
            it.band_keys = my_keys
            ref = ("batch", batch_no, i)  # later items (this batch and the next) can join it
            ref_info[ref] = new_info[ref] = (it.cluster_id, sig)
            for k in my_keys:
                new_refs.setdefault(k, []).append(ref)
    ctx.state["dedupe"] = {"refs": new_refs, "info": new_info, "n": batch_no}
