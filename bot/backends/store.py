"""The vector store: Chroma, embedded (PersistentClient in `<index>/chroma/`) or a server
(`settings.chroma_url`, chromadb.HttpClient). All Chroma access goes through `ChunkStore`.

Embeddings are always passed in explicitly (`embedding_function=None`): Chroma's default
embedding function would try to download a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlparse

import uuid

import numpy as np

from bot.errors import DiskFull, IndexError_, low_space, names_full_disk

COLLECTION = "chunks"
# the change token of a server's collection (see bot/store/remote.py for the protocol)
TOKEN_KEY = "newsbot_token"


def new_token() -> str:
    return uuid.uuid4().hex


def store_fingerprint(store) -> str:
    """`token:count` of the server's collection (token first: see bot/store/remote.py)."""
    try:
        meta = store.client.get_collection(COLLECTION, embedding_function=None).metadata or {}
        token = str(meta.get(TOKEN_KEY, "-"))
        count = int(store.col.count())
    except Exception as exc:
        raise _chroma_error("reading the collection state", store.where, exc) from None
    return f"{token}:{count}"


def touch(store) -> None:
    """Mark the server's collection as changed (a fresh token in its metadata)."""
    try:
        store.col.modify(metadata={TOKEN_KEY: new_token()})
    except Exception as exc:
        raise _chroma_error("updating the collection state", store.where, exc) from None


def _chroma_error(action: str, where: str, exc: Exception, root: Path | None = None) -> IndexError_:
    """The index error for a Chroma failure. `root`: the index directory of the embedded store
    (None for a server). A full disk shows in Chroma's text only sometimes ("(code: 13) database or
    disk is full"; a failed compaction says just "Failed to apply logs to the metadata segment"), so
    a failure that names no other cause while the index's disk is nearly full is put down to it."""
    text = " ".join(str(exc).split())[:300]
    low = text.lower()
    if root is not None and names_full_disk(exc):
        return DiskFull(root, where, f"{type(exc).__name__}: {text}")
    if names_full_disk(exc):
        hint = "the Chroma server's disk is full: free some space there, then run the command again"
    elif "readonly" in low or "read-only" in low or "read only" in low:
        return IndexError_("Index is read-only", f"{where}: {type(exc).__name__}: {text}; the vector store cannot "
                           f"be opened without writing to it: make {root or where} writable, or copy the index to a "
                           "writable place and give that with --index.")
    elif "lock" in low or "busy" in low:
        hint = "another process holds the store; wait for it, then retry"
    elif "corrupt" in low or "malformed" in low or "no such table" in low or "database disk image" in low:
        hint = f"the store looks damaged: run `newsbot doctor`, or delete {where} and run `newsbot ingest` again"
    elif "connect" in low or "refused" in low or "timed out" in low:
        hint = "check that the Chroma server is running and --chroma-url is right"
    elif root is not None and low_space(root):
        return DiskFull(root, where, f"{type(exc).__name__}: {text}")
    else:
        hint = "run `newsbot doctor` to check the index"
    return IndexError_(f"Vector store error while {action}", f"{where}: {type(exc).__name__}: {text}; {hint}.")


class ChunkStore:
    """A small facade over one Chroma collection."""

    def __init__(self, client: Any, where: str, remote: bool = False):
        self.client = client
        self.where = where
        self.remote = remote  # a Chroma server: every write leaves a fresh token (bot/store/remote.py)
        self.root = None if remote else Path(where).parent  # the index directory of the embedded store
        try:
            self.col = client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"},
                                                       embedding_function=None)
        except Exception as exc:
            raise _chroma_error("opening the collection", where, exc, self.root) from None
        try:
            self.max_batch = int(client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, documents: Sequence[str],
               metadatas: Sequence[dict]) -> None:
        try:
            for s in range(0, len(ids), self.max_batch):
                e = s + self.max_batch
                self.col.upsert(ids=list(ids[s:e]), embeddings=np.asarray(embeddings[s:e], dtype=np.float32),
                                documents=list(documents[s:e]), metadatas=list(metadatas[s:e]))
        except Exception as exc:
            raise _chroma_error("writing chunks", self.where, exc, self.root) from None
        self._touch(len(ids))

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        try:
            for s in range(0, len(ids), self.max_batch):
                self.col.delete(ids=ids[s:s + self.max_batch])
        except Exception as exc:
            raise _chroma_error("deleting chunks", self.where, exc, self.root) from None
        self._touch(len(ids))

    def _touch(self, n: int) -> None:
        if self.remote and n:
            touch(self)

    def query(self, embedding: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine distances, best first."""
        try:
            # no count() first: Chroma returns fewer (or no) results by itself, and count() costs
            # ~16 ms at 100k chunks against ~3 ms for the query
            res = self.col.query(query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=max(1, n),
                                 where=where or None, include=["distances"])
        except Exception as exc:
            raise _chroma_error("searching", self.where, exc, self.root) from None
        ids = res["ids"][0] if res.get("ids") else []
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(ids)
        return list(zip(ids, (float(d) for d in dists)))

    def get_ids(self, where: dict | None = None) -> list[str]:
        out: list[str] = []
        try:
            offset = 0
            while True:
                res = self.col.get(where=where or None, include=[], limit=self.max_batch, offset=offset)
                batch = res.get("ids") or []
                out.extend(batch)
                if len(batch) < self.max_batch:
                    return out
                offset += len(batch)
        except Exception as exc:
            raise _chroma_error("listing chunks", self.where, exc, self.root) from None

    def get_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        try:
            res = self.col.get(ids=list(ids), include=["embeddings"])
        except Exception as exc:
            raise _chroma_error("reading chunks", self.where, exc, self.root) from None
        embs = res.get("embeddings")
        if embs is None:
            return {}
        return {i: np.asarray(e, dtype=np.float32) for i, e in zip(res["ids"], embs)}

    def count(self) -> int:
        try:
            return int(self.col.count())
        except Exception as exc:
            raise _chroma_error("counting chunks", self.where, exc, self.root) from None

    def close(self) -> None:
        self.col = None
        self.client = None


def open_store(settings, index_dir: Path | None = None) -> ChunkStore:
    """The embedded store in `<index>/chroma/`, or the server at `settings.chroma_url`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    csettings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "://" in settings.chroma_url else "http://" + settings.chroma_url)
        where = settings.chroma_url
        try:
            client = chromadb.HttpClient(host=url.hostname or "localhost", port=url.port or (443 if url.scheme == "https" else 8000),
                                         ssl=url.scheme == "https", settings=csettings)
        except Exception as exc:
            raise _chroma_error("connecting", where, exc) from None
        return ChunkStore(client, where, remote=True)
    path = Path(index_dir or settings.index_dir) / "chroma"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if names_full_disk(exc):
            raise DiskFull(path.parent, path, exc.strerror or exc) from None
        raise IndexError_("Index not writable", f"cannot create {path} ({exc.strerror or exc}); make {path.parent} "
                          "writable, or give another --index.") from None
    try:
        client = chromadb.PersistentClient(path=str(path), settings=csettings)
    except Exception as exc:
        raise _chroma_error("opening", str(path), exc, path.parent) from None
    return ChunkStore(client, str(path))
