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
import threading
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from vimon.pipeline.stages import StageContext, register
from vimon.records import Item
from vimon.text.fold import fold_tokens

MIN_SHINGLE_TOKENS = 8
REPRESENTED_AT = 0.9
_MASK63 = np.uint64((1 << 63) - 1)
# Odd 64-bit multipliers for combining a band's rows into one key (wrapping arithmetic).
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53,
                 0x2545F4914F6CDD1D, 0x94D049BB133111EB], dtype=np.uint64)


def content_hash(folded: str, toks: list[str] | None = None) -> str:
    """Hash of the folded text's tokens (``toks`` when the caller has them already)."""
    toks = fold_tokens(folded) if toks is None else toks
    return hashlib.sha256(" ".join(toks).encode()).hexdigest()


def shingles(folded: str, n: int, toks: list[str] | None = None) -> list[bytes]:
    toks = fold_tokens(folded) if toks is None else toks
    if len(toks) < MIN_SHINGLE_TOKENS:
        return []
    # The n-token windows as shifted views zipped together: the loop stays in C.
    return list(map(str.encode, map(" ".join, zip(*(toks[k:] for k in range(n)), strict=False))))


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


if TYPE_CHECKING:
    from datasketch import MinHash

_LOCAL = threading.local()


def _minhash(num_perm: int) -> MinHash:
    """A MinHash of seed 1 (datasketch's default) kept per thread and reused: building one
    draws or checks the permutation parameters, which costs more than hashing a short text."""
    cache: dict[int, MinHash] | None = getattr(_LOCAL, "minhash", None)
    if cache is None:
        cache = _LOCAL.minhash = {}
    m = cache.get(num_perm)
    if m is None:
        # Imported here: the datasketch package imports every sketch it offers, its LSH
        # module scipy.integrate (~0.5 s a process, measured), and a process whose items
        # were signed elsewhere (a collector's extraction workers) never needs it.
        from datasketch import MinHash

        m = cache[num_perm] = MinHash(num_perm=num_perm, hashfunc=zlib.crc32)
    return m


def signatures(texts: list[list[bytes]], num_perm: int) -> np.ndarray:
    # crc32 (C, ~10× faster than the default sha1) is only the base hash: MinHash's random
    # universal permutations on top of it give the independence the Jaccard estimate needs.
    m = _minhash(num_perm)
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    for i, sh in enumerate(texts):
        m.clear()
        m.update_batch(sh)
        out[i] = m.hashvalues
    return out


def sign(items: list[Item], settings: Any) -> None:
    """Set ``minhash`` (the MinHash signature as bytes) of each item long enough to have
    shingles; ``None`` for the others. Needs only the normalized text, so it can run
    before the pipeline, in another process (``vimon.pipeline.prepare``)."""
    sh = [shingles(it.folded, settings.dedupe_shingle, it.tokens or None) for it in items]
    with_sh = [i for i, x in enumerate(sh) if x]
    for it in items:
        it.minhash = None
    if with_sh:
        sigs = signatures([sh[i] for i in with_sh], settings.dedupe_num_perm)
        for row_no, i in enumerate(with_sh):
            items[i].minhash = sigs[row_no].tobytes()


@register(
    "dedupe",
    writes=("content_hash", "dedupe_key", "minhash", "band_keys", "cluster_id", "duplicate",
            "near_duplicate_of"),
)
def run(batch: list[Item], ctx: StageContext) -> None:
    s = ctx.settings
    for it in batch:
        it.content_hash = content_hash(it.folded, it.tokens or None)
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

    perm = s.dedupe_num_perm
    sign([it for it in fresh if "sign" not in it.prepared
          or (it.minhash is not None and len(it.minhash) != perm * 4)], s)
    with_sh = [i for i, it in enumerate(fresh) if it.minhash is not None]
    row_of = {i: r for r, i in enumerate(with_sh)}  # item index → row of its signature
    sigs = np.zeros((0, perm), dtype=np.uint32)
    keys: list[list[int]] = []
    if with_sh:
        sigs = np.vstack([np.frombuffer(fresh[i].minhash or b"", dtype=np.uint32)
                          for i in with_sh])
        keys = band_keys(sigs, s.dedupe_bands).tolist()

    best_sim, best_ref, best_cluster = _match_outside(ctx, sigs, keys)
    threshold = s.dedupe_threshold
    batch_refs: dict[int, list[int]] = {}  # band key → rows indexed earlier in this batch
    row_cluster: list[str | None] = [None] * len(with_sh)
    for i, it in enumerate(fresh):
        r = row_of.get(i)
        sim: float = 0.0
        ref: int | None = None
        cluster: str | None = None
        if r is not None:
            sim, ref, cluster = best_sim[r], best_ref[r], best_cluster[r]
        if r is not None:  # earlier items of this very batch
            cand = {c for k in keys[r] for c in batch_refs.get(k, ())}
            if cand:
                rows = np.fromiter(cand, dtype=np.int64, count=len(cand))
                local = (sigs[rows] == sigs[r]).sum(axis=1) / perm
                j = int(np.argmax(local))
                if local[j] > sim:
                    sim, ref, cluster = float(local[j]), None, row_cluster[int(rows[j])]
        if sim >= threshold and cluster:
            it.cluster_id = cluster
            it.near_duplicate_of = ref
            ctx.stats["near_duplicate"] = ctx.stats.get("near_duplicate", 0) + 1
        else:
            it.cluster_id = it.content_hash[:16]
        if r is not None:
            row_cluster[r] = it.cluster_id
            if sim < REPRESENTED_AT:
                it.band_keys = keys[r]
                for k in keys[r]:
                    batch_refs.setdefault(k, []).append(r)
    # The next batch may run before this one is committed: hand it our bands.
    ctx.state["dedupe"] = {"refs": batch_refs, "sigs": sigs, "clusters": row_cluster}


def _match_outside(
    ctx: StageContext, sigs: np.ndarray, keys: list[list[int]]
) -> tuple[list[float], list[int | None], list[str | None]]:
    """Best match of each signature among stored items and the previous batch, vectorised:
    every (item, candidate) pair sharing a band is compared in one array operation."""
    n, perm = sigs.shape
    best_sim: list[float] = [0.0] * n
    best_ref: list[int | None] = [None] * n
    best_cluster: list[str | None] = [None] * n
    if not n:
        return best_sim, best_ref, best_cluster
    ref_sigs: list[np.ndarray] = []
    ref_ids: list[int | None] = []
    ref_clusters: list[str | None] = []
    ref_index: dict[int, int] = {}
    key_refs: dict[int, list[int]] = {}
    wanted = sorted({k for row in keys for k in row})
    for key, item_id, cluster_id, mh in ctx.store.band_candidates(wanted):
        idx = ref_index.get(item_id)
        if idx is None:
            if not mh or len(mh) != perm * 4:
                continue
            idx = ref_index[item_id] = len(ref_sigs)
            ref_sigs.append(np.frombuffer(mh, dtype=np.uint32))
            ref_ids.append(item_id)
            ref_clusters.append(cluster_id)
        key_refs.setdefault(key, []).append(idx)
    prev = ctx.state.get("dedupe")
    if prev and prev["sigs"].shape[1:] == (perm,):
        base = len(ref_sigs)
        ref_sigs.extend(prev["sigs"])
        ref_ids.extend([None] * len(prev["sigs"]))
        ref_clusters.extend(prev["clusters"])
        for key in wanted:
            rows = prev["refs"].get(key)
            if rows:
                key_refs.setdefault(key, []).extend(base + r for r in rows)
    left: list[int] = []
    right: list[int] = []
    for r, row in enumerate(keys):
        for k in row:
            refs = key_refs.get(k)
            if refs:
                left.extend([r] * len(refs))
                right.extend(refs)
    if not left:
        return best_sim, best_ref, best_cluster
    # Distinct (item, candidate) pairs: as one int64 code each, a 1-D unique (sorted, so
    # pairs stay grouped by item); ``unique(axis=1)`` sorts row views and cost ~4× more.
    span = np.int64(len(ref_sigs))
    codes = np.unique(np.array(left, dtype=np.int64) * span + np.array(right, dtype=np.int64))
    pairs = np.vstack((codes // span, codes % span))
    ref_mat = np.vstack(ref_sigs)
    sims = (sigs[pairs[0]] == ref_mat[pairs[1]]).sum(axis=1)
    order = np.lexsort((-sims, pairs[0]))  # by item, best first
    items_sorted = pairs[0][order]
    first = np.flatnonzero(np.r_[True, items_sorted[1:] != items_sorted[:-1]])
    for pos in first.tolist():
        k = int(order[pos])
        r, ref = int(pairs[0][k]), int(pairs[1][k])
        best_sim[r] = float(sims[k]) / perm
        best_ref[r] = ref_ids[ref]
        best_cluster[r] = ref_clusters[ref]
    return best_sim, best_ref, best_cluster
