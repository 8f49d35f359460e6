"""Near-duplicate articles: MinHash signatures of word 3-shingles and an LSH index over them.

An article whose Jaccard similarity to an earlier one reaches NEAR_DUP_THRESHOLD is recorded as a
near-duplicate (`articles.dup_of`) of the first article of that group (the earliest added), so
searches show one passage per story. Signatures are stored in the registry (`articles.minhash`)
and loaded into an LSH index at the start of each ingest.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

NUM_PERM = 128
SHINGLE = 3
MINHASH_SCHEME = "affine32"
NEAR_DUP_THRESHOLD = 0.6  # Jaccard of word 3-shingles: lightly edited copies of one story


def _shingles(text: str) -> list[bytes]:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    if len(words) < SHINGLE:
        return [" ".join(words).encode()] if words else [b""]
    return list({" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)})


def containment(a: str, b: str) -> float:
    """The share of the shorter text's word 3-shingles found in the longer: 1.0 when one is the
    other with paragraphs added (a wire story a second outlet ran in full and then extended), which
    Jaccard similarity, diluted by the additions, misses."""
    sa, sb = set(_shingles(a)), set(_shingles(b))
    return len(sa & sb) / max(min(len(sa), len(sb)), 1)


def minhash_of(text: str):
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME)
    mh.update_batch(_shingles(text))
    return mh


def minhash_bytes(text: str) -> bytes:
    """The signature as stored in the registry."""
    return minhash_of(text).hashvalues.astype("uint64").tobytes()


def _minhash_from_blob(blob: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype=np.uint64), scheme=MINHASH_SCHEME)


class NearDuplicates:
    """The LSH index of one ingest run: the registry's signatures plus those of the articles the
    run has planned but not yet committed."""

    def __init__(self, registry):
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=NEAR_DUP_THRESHOLD, num_perm=NUM_PERM)
        self.cache = {}
        for aid, blob in registry.minhashes():
            mh = _minhash_from_blob(blob)
            self.lsh.insert(aid, mh)
            self.cache[aid] = mh

    def find(self, mh, aid: str, registry, pending: Callable[[str], str | None]) -> tuple[str | None, float | None]:
        """(the group's first article, similarity) when `mh` is a near-duplicate, else (None, None).
        `pending(id)`: for an article planned but not committed yet, its own dup_of or its id."""
        cands = [c for c in self.lsh.query(mh) if c != aid]
        if not cands:
            return None, None
        best: tuple[int, str, float] | None = None
        for c in cands:
            sim = float(mh.jaccard(self.cache[c]))
            if sim < NEAR_DUP_THRESHOLD:
                continue
            row = registry.article_order(c)
            if row is not None:
                order, root = row[0], row[1] or c
            else:
                root = pending(c)
                if root is None:
                    continue  # removed meanwhile
                order = 1 << 62
            if best is None or order < best[0]:
                best = (order, root, sim)
        return (best[1], best[2]) if best else (None, None)

    def add(self, aid: str, mh) -> None:
        self.lsh.insert(aid, mh)
        self.cache[aid] = mh

    def forget(self, aids: list[str]) -> None:
        for aid in aids:
            if aid in self.cache:
                try:
                    self.lsh.remove(aid)
                except (ValueError, KeyError):
                    pass
                self.cache.pop(aid, None)
