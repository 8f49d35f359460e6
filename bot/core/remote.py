"""Server mode (`settings.chroma_url`): keep the local sidecar in step with a shared Chroma server.

With a Chroma server the *collection on the server* is the source of truth. What `--index DIR`
holds on each machine (registry.sqlite with articles and chunk texts, and the bm25s `keyword/`
index built from it) is a sidecar: a local cache derived from the server's documents and
metadata, so keyword search, `articles`, citations and near-duplicate checks keep working.

How it stays correct (see docs/scaling.md):

- Every write to the server (`ChunkStore.upsert/delete` in server mode) stores a fresh random
  token in the collection's metadata (`newsbot_token`) *after* the write.
- The sidecar records the fingerprint it was built from (`token:count`) in the registry's meta
  table (`store_fingerprint`).
- The first time an `Index` is used in server mode (`Index.exists()`), `sync_from_store` reads
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
import uuid

TOKEN_KEY = "newsbot_token"
FP_KEY = "store_fingerprint"


def new_token() -> str:
    return uuid.uuid4().hex


def store_fingerprint(store) -> str:
    """`token:count` of the server's collection (token first: see the module docstring)."""
    from bot.backends.store import COLLECTION, _chroma_error

    try:
        meta = store.client.get_collection(COLLECTION, embedding_function=None).metadata or {}
        token = str(meta.get(TOKEN_KEY, "-"))
        count = int(store.col.count())
    except Exception as exc:
        raise _chroma_error("reading the collection state", store.where, exc) from None
    return f"{token}:{count}"


def touch(store) -> None:
    """Mark the server's collection as changed (a fresh token in its metadata)."""
    from bot.backends.store import _chroma_error

    try:
        store.col.modify(metadata={TOKEN_KEY: new_token()})
    except Exception as exc:
        raise _chroma_error("updating the collection state", store.where, exc) from None


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


def _recorded(idx) -> str | None:
    import sqlite3

    if not idx.registry_path.is_file():
        return None
    try:
        conn = sqlite3.connect(str(idx.registry_path), timeout=5.0)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key=?", (FP_KEY,)).fetchone()
        finally:
            conn.close()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def sync_from_store(idx, force: bool = False) -> dict | None:
    """Bring `idx`'s sidecar (registry + keyword index) in step with the Chroma server.
    Returns None when nothing had to be read, else {"added", "removed", "updated", "seconds"}."""
    if not idx.settings.chroma_url:
        return None
    t0 = time.perf_counter()
    store = idx.store()
    fp = store_fingerprint(store)
    recorded = _recorded(idx)
    if not force and recorded == fp:
        return None
    if recorded is None and fp.endswith(":0"):
        return None  # empty server, no sidecar: nothing to build (`ingest` creates it)
    from bot.core.index import Index

    side = Index(idx.settings, embedder=idx._embedder)
    side._remote_synced = True  # no recursion through exists()
    side._store = store
    try:
        db = side.db(create=True)
        store_ids = set(store.get_ids())
        reg_ids = {r[0] for r in db.execute("SELECT id FROM chunks")}
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
        from bot.backends.store import _chroma_error

        for s in range(0, len(want), step):
            try:
                res = store.col.get(ids=want[s:s + step], include=["documents", "metadatas"])
            except Exception as exc:
                raise _chroma_error("reading chunks", store.where, exc) from None
            for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"]):
                aid = (meta or {}).get("article_id") or cid.rsplit(":", 1)[0]
                fetched.setdefault(aid, []).append((cid, doc or "", meta or {}))
        added = removed = updated = 0
        if new or gone:
            from bot.core.index import minhash_of

            with side._tx() as tx:
                for aid in sorted(touched):
                    rows = fetched.get(aid)
                    existed = tx.execute("SELECT 1 FROM articles WHERE id=?", (aid,)).fetchone() is not None
                    tx.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
                    if not rows:
                        tx.execute("DELETE FROM articles WHERE id=?", (aid,))
                        tx.execute("DELETE FROM files WHERE article_id=?", (aid,))
                        tx.execute("UPDATE articles SET dup_of=NULL WHERE dup_of=?", (aid,))
                        removed += existed
                        continue
                    rows.sort(key=lambda r: int(r[2].get("position", 0)))
                    spans = [(int(m.get("start", 0)), int(m.get("end", 0)), d) for _c, d, m in rows]
                    text = _reconstruct(spans)
                    m0 = rows[0][2]
                    if existed:
                        tx.execute("UPDATE articles SET n_chunks=?, text=? WHERE id=?", (len(rows), text, aid))
                        updated += 1
                    else:
                        mh = minhash_of(text).hashvalues.astype("uint64").tobytes()
                        src = m0.get("source_file") or aid
                        tx.execute(
                            "INSERT INTO articles(id, hash, title, outlet, date, date_int, url, author, source_file, path, "
                            "text, n_chunks, dup_of, similarity, minhash, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            (aid, aid, m0.get("title") or "", m0.get("outlet") or None, m0.get("date") or None,
                             int(m0.get("date_int") or 0), None, None, src, f"{idx.settings.chroma_url}#{src}", text,
                             len(rows), None, None, mh, time.time()))
                        added += 1
                    tx.executemany("INSERT OR REPLACE INTO chunks(id, article_id, position, start, end, text) VALUES (?,?,?,?,?,?)",
                                   [(c, aid, int(m.get("position", 0)), int(m.get("start", 0)), int(m.get("end", 0)), d)
                                    for c, d, m in rows])
                    if not tx.execute("SELECT 1 FROM files WHERE article_id=?", (aid,)).fetchone():
                        src = m0.get("source_file") or aid
                        tx.execute("INSERT OR REPLACE INTO files(key, path, name, file_hash, article_id) VALUES (?,?,?,NULL,?)",
                                   ("remote", f"{idx.settings.chroma_url}#{src}", src, aid))
                tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (FP_KEY, fp))
        else:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (FP_KEY, fp))
    finally:
        side._store = None  # shared with idx: not closed here
        side.close()
    if new or gone:
        idx._kw = None
    return {"added": added, "removed": removed, "updated": updated, "seconds": round(time.perf_counter() - t0, 3)}
