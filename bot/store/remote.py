"""Server mode (`settings.chroma_url`): keep the local sidecar in step with a shared Chroma server.

With a Chroma server the *collection on the server* is the source of truth. What `--index DIR`
holds on each machine (registry.sqlite with articles and chunk texts, and the bm25s `keyword/`
index built from it) is a sidecar: a local cache derived from the server's documents and
metadata, so keyword search, `articles`, citations and near-duplicate checks keep working.

How it stays correct (see docs/scaling.md):

- Every write to the server (`ChunkStore.upsert/delete` in server mode, bot/backends/store.py)
  stores a fresh random token in the collection's metadata (`newsbot_token`) *after* the write.
- The sidecar records the fingerprint it was built from (`token:count`) in the registry's meta
  table (`store_fingerprint`).
- When a server-mode `Index` (bot.store.library) is opened (`Index.open()`, called before the
  registry is first read and by `check`/`counts`/`remove`/`doctor`), `sync_from_store` reads
  the server's fingerprint *first*, and only if it differs from the recorded one reads the ids
  on the server, fetches documents + metadata of articles the sidecar lacks, drops articles the
  server no longer has, and records the fingerprint. A change bumps the registry generation, so
  the keyword index is rebuilt from the registry on next use (the existing mechanism).
- Reading the token before the ids makes the check safe against concurrent writers: a write
  that lands during a sync sets a new token afterwards, so the next command syncs again.
- Ingest syncs before it starts (so a fresh machine does not re-embed what the server already
  has) and after it finishes (so its own writes don't trigger a resync on the next command).

A fresh machine pointing `--chroma-url` at an existing server therefore builds its sidecar from
the server on first use; it costs one id listing (~30 ms per 5k chunks on loopback) plus the
documents of the missing articles.
"""

from __future__ import annotations

import time

from bot.backends.store import _chroma_error, store_fingerprint
from bot.store.dedup import minhash_bytes
from bot.store.registry import Registry, recorded_meta

FP_KEY = "store_fingerprint"


def _reconstruct(chunks: list[tuple[int, int, str]]) -> str:
    """Article text from its chunk spans (start, end, text); gaps between chunks become spaces,
    so every chunk's offsets stay valid in the rebuilt text."""
    if not chunks:
        return ""
    size = max(e for _s, e, _t in chunks)
    buf = [" "] * size
    for s, e, t in sorted(chunks):
        if len(t) == e - s:
            buf[s:e] = list(t)
    return "".join(buf)


def sync_from_store(idx, force: bool = False) -> dict | None:
    """Bring `idx`'s sidecar (registry + keyword index) in step with the Chroma server.
    Returns None when nothing had to be read, else {"added", "removed", "updated", "seconds"}."""
    if not idx.settings.chroma_url:
        return None
    t0 = time.perf_counter()
    store = idx.store()
    fp = store_fingerprint(store)
    recorded = recorded_meta(idx.registry_path, FP_KEY)
    if not force and recorded == fp:
        return None
    if recorded is None and fp.endswith(":0"):
        return None  # empty server, no sidecar: nothing to build (`ingest` creates it)
    side = Registry(idx.root, idx.settings)  # its own connection: opening it does not sync again
    try:
        side.connect(create=True)
        store_ids = set(store.get_ids())
        reg_ids = side.chunk_ids()
        new = store_ids - reg_ids
        gone = reg_ids - store_ids
        touched = {cid.rsplit(":", 1)[0] for cid in new | gone}
        by_article: dict[str, list[str]] = {}
        for cid in store_ids:
            aid = cid.rsplit(":", 1)[0]
            if aid in touched:
                by_article.setdefault(aid, []).append(cid)
        fetched: dict[str, list[tuple[str, str, dict]]] = {}
        want = [cid for cids in by_article.values() for cid in cids]
        step = max(1, min(store.max_batch, 2000))
        for s in range(0, len(want), step):
            try:
                res = store.col.get(ids=want[s:s + step], include=["documents", "metadatas"])
            except Exception as exc:
                raise _chroma_error("reading chunks", store.where, exc) from None
            for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"]):
                aid = (meta or {}).get("article_id") or cid.rsplit(":", 1)[0]
                fetched.setdefault(aid, []).append((cid, doc or "", meta or {}))
        counts = {"added": 0, "removed": 0, "updated": 0}
        if new or gone:
            with side.transaction() as tx:
                for aid in sorted(touched):
                    rows = fetched.get(aid) or []
                    rows.sort(key=lambda r: int(r[2].get("position", 0)))
                    text = _reconstruct([(int(m.get("start", 0)), int(m.get("end", 0)), d) for _c, d, m in rows])
                    what = tx.mirror_article(aid, rows, text, idx.settings.chroma_url, minhash_bytes)
                    if what:
                        counts[what] += 1
                tx.set_meta(FP_KEY, fp)
        else:
            side.set_meta(FP_KEY, fp)
    finally:
        side.close()
    if new or gone:
        idx.forget_keyword()
    return {**counts, "seconds": round(time.perf_counter() - t0, 3)}
