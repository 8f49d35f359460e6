"""The article index: a SQLite registry (the source of truth), Chroma (dense vectors) and a
bm25s keyword index, kept consistent. `Index` is the thin façade the CLI, the TUI and the core
use; the work is done by the modules beside it:

  registry.py   registry.sqlite: schema, typed reads and writes, the one transaction helper
  ingest.py     IngestRun: files -> articles -> chunks -> vectors, crash-safe
  dedup.py      MinHash/LSH near-duplicates
  search.py     hybrid retrieval (dense + keyword, fused)
  repair.py     health checks and repairs (`newsbot doctor`)
  remote.py     server mode: the local sidecar follows a shared Chroma server (synced by `open`)

Layout of `<index>/`:
  registry.sqlite   articles, files (key -> content hash -> article id), chunks (text + offsets),
                    meta (`generation`, bumped by every committed change), MinHash signatures
  chroma/           Chroma PersistentClient, collection "chunks" (cosine), ids "<article>:<pos>"
  keyword/          bm25s arrays + chunk ids + the generation they were built from
  .lock             held by writers (ingest, remove, repair)

Removal: registry first, then Chroma delete. So Chroma can only ever hold orphans, which searches
ignore and `inspect_index(repair=True)` deletes; the keyword index is rebuilt from the registry
whenever its generation is stale.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from bot.config import check_index_dir
from bot.store.chunking import token_counter
from bot.store.retrieval import matches
from bot.store.records import ArticleRecord, Passage
from bot.errors import DiskFull, IndexError_, UsageError, low_space, names_full_disk
from bot.store import search as _search
from bot.store.base import BaseIndex
from bot.store.errors import lock_error, make_dir, no_index
from bot.store.ingest import IngestReport, IngestRun, Progress, ingest, restore_store
from bot.store.registry import Registry, embedded_store_count
from bot.text import given_date
from bot.store.removal import remove, remove_paths


class Index(BaseIndex):
    def __init__(self, settings, embedder=None):
        self.settings = settings
        self.root = Path(settings.index_dir)
        self._embedder = embedder
        self.registry = Registry(self.root, settings, on_open=self.open)
        self._store = None
        self._kw = None
        self._counter = None
        self._run: IngestRun | None = None
        self._remote_synced = False
        self._checked_gen: int | None = None
        self.batch_chunks = settings.ingest_batch  # chunks embedded per flush (NEWSBOT_INGEST_BATCH)

    # ------------------------------------------------------------------ resources

    @property
    def registry_path(self) -> Path:
        return self.registry.path

    @property
    def keyword_dir(self) -> Path:
        return self.root / "keyword"

    def open(self) -> "Index":
        """Open the library (idempotent, cheap after the first call). In server mode it first
        brings the local sidecar in step with the Chroma server, once per `Index`
        (bot.store.remote.sync_from_store), so a fresh machine builds its sidecar before anything
        reads it. The registry calls it before its first connection; `check`, `counts`, `remove`
        and `doctor` call it before they ask whether the index exists."""
        if self.settings.chroma_url and not self._remote_synced:
            self._remote_synced = True
            from bot.store.remote import sync_from_store

            sync_from_store(self)
        return self

    def exists(self) -> bool:
        """Whether the index has a registry (a pure check: see `open` for server mode)."""
        return self.registry_path.is_file()

    def db(self, create: bool = False) -> sqlite3.Connection:
        """The registry's connection (for tests and tools that read it; bot/ uses `registry`)."""
        return self.registry.connect(create)

    def store(self):
        if self._store is None:
            from bot.backends.store import open_store

            self._store = open_store(self.settings, self.root)
        return self._store

    @property
    def embedder(self):
        if self._embedder is None:
            from bot.backends.embedder import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            self._counter = token_counter(self.embedder)
        return self._counter(text)

    def generation(self) -> int:
        return self.registry.generation()

    def chunk_count(self) -> int:
        return self.registry.chunk_count()

    def store_count(self) -> int | None:
        """Chunks in the vector store. The embedded store is counted in its own SQLite file,
        without loading Chroma (0 when `chroma/` is missing or emptied; None when that file
        cannot be read, e.g. another Chroma version); a server is asked."""
        if self.settings.chroma_url:
            return self.store().count()
        n = embedded_store_count(self.root / "chroma" / "chroma.sqlite3")
        if n is None and self._store is not None:
            return self._store.count()
        return n

    def check(self) -> None:
        """What every reader does first: the index exists, its registry is readable, and the
        vector store holds every chunk of the registry (it may hold more: an interrupted ingest or
        removal leaves orphans, which searches ignore). Checked once per registry generation; the
        keyword index is rebuilt from the registry whenever it is out of step (see `keyword`).
        Raises IndexError_ (exit 4) saying what to do. (With a Chroma server the server is the
        source of truth: `open()` brings the registry in step with it.)"""
        if not self.open().exists():
            raise no_index(self.root)
        if self.settings.chroma_url:
            return
        gen = self.generation()
        if self._checked_gen == gen:
            return
        chunks = self.chunk_count()
        stored = self.store_count() if chunks else chunks
        if stored is not None and stored < chunks:
            where = self.settings.chroma_url or self.root / "chroma"
            raise IndexError_("Index out of step", f"the vector store {where} holds {stored} of the registry's {chunks} "
                              f"chunks; run `newsbot doctor` (it re-embeds them) or `newsbot ingest FOLDER --index "
                              f"{self.root}` again.")
        self._checked_gen = gen

    @contextmanager
    def write_lock(self, timeout: float | None = None) -> Iterator[None]:
        from filelock import FileLock, Timeout

        check_index_dir(self.root)
        make_dir(self.root)
        t = self.settings.lock_timeout if timeout is None else timeout
        lock = FileLock(str(self.root / ".lock"), timeout=t)
        try:
            lock.acquire()
        except Timeout:
            raise lock_error(self.root, t) from None
        except OSError as exc:
            if names_full_disk(exc):
                raise DiskFull(self.root, self.root / ".lock", exc.strerror or exc) from None
            raise IndexError_("Index not writable", f"cannot write {self.root / '.lock'} ({exc.strerror or exc}); make "
                              f"{self.root} writable, or give another --index.") from None
        try:
            yield
        finally:
            lock.release()

    def close(self) -> None:
        self.registry.close()
        if self._store is not None:
            self._store.close()
            self._store = None
        self._kw = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: list[Path], outlet: str | None = None, progress: Progress | None = None,
               date: str | None = None) -> IngestReport:
        """Index files and folders (see bot.store.ingest); unchanged files are skipped. `outlet` and
        `date` (YYYY-MM-DD, else a UsageError before anything is written) go to articles whose files give none."""
        try:
            date = given_date(date)
        except ValueError as exc:
            raise UsageError("Bad date", f"{exc}.") from None
        return ingest(self, paths, outlet, progress, date)

    def restore_store(self, store_ids: set[str] | None = None) -> int:
        """Embed again the registry's chunks the vector store lacks (see bot.store.ingest)."""
        return restore_store(self, store_ids)

    # ------------------------------------------------------------------ removal

    def gc_articles(self, aids: list[str]) -> list[str]:
        """`Registry.gc_articles` inside the caller's transaction; the chunk ids it removed (to
        delete from the vector store after the commit). A running ingest forgets the articles."""
        gone, deleted = self.registry.gc_articles(aids)
        if self._run is not None:
            self._run.dedup.forget(deleted)
        return gone

    def delete_chunks_from_store(self, chunk_ids: list[str]) -> None:
        if chunk_ids:
            try:
                self.store().delete(chunk_ids)
            except IndexError_:
                pass  # orphans: ignored by searches, removed by `newsbot doctor`

    def remove(self, id_or_path: str) -> dict:
        """Remove an article (by id, or a unique id prefix) or everything from a file (by path
        or file name). Returns {"removed": [article ids], "files": [paths], "chunks": n}."""
        return remove(self, id_or_path)

    def remove_paths(self, paths: list[str]) -> dict:
        return remove_paths(self, paths)

    # ------------------------------------------------------------------ keyword index

    def keyword_stale(self) -> bool:
        if not self.open().exists():
            return False
        from bot.backends.keyword import KeywordIndex

        return KeywordIndex.read_generation(self.keyword_dir) != self.generation()

    def rebuild_keyword(self, save: bool = True, strict: bool = False):
        """Rebuild the keyword index from the registry (and save it). A save that fails is
        ignored (readers rebuild it in memory), unless `strict` and the disk is full: DiskFull."""
        from bot.backends.keyword import KeywordIndex

        self.registry.connect()
        for _ in range(3):
            gen = self.generation()
            rows = self.registry.chunk_texts()
            if self.generation() == gen:
                break
        kw = KeywordIndex.build([r[0] for r in rows], [r[1] for r in rows], gen)
        if save:
            try:
                kw.save(self.keyword_dir)
            except OSError as exc:
                if strict and (names_full_disk(exc) or low_space(self.root)):
                    raise DiskFull(self.root, self.keyword_dir, exc.strerror or exc) from None
        self._kw = kw
        return kw

    def forget_keyword(self) -> None:
        """Drop the keyword index held in memory (the registry changed under it)."""
        self._kw = None

    def keyword(self):
        """The keyword index, rebuilt (and saved, if no writer is busy) when stale."""
        from bot.backends.keyword import KeywordIndex

        gen = self.generation()
        if self._kw is not None and self._kw.generation == gen:
            return self._kw
        kw = KeywordIndex.load(self.keyword_dir)
        if kw is not None and kw.generation == gen and len(kw.ids) == self.chunk_count():
            self._kw = kw
            return kw
        try:
            with self.write_lock(timeout=0):
                return self.rebuild_keyword(save=True)
        except IndexError_:
            return self.rebuild_keyword(save=False)  # a writer is busy: use an in-memory copy

    # ------------------------------------------------------------------ listing and search

    def counts(self) -> tuple[int, int]:
        if not self.open().exists():
            return 0, 0
        return self.registry.counts()

    def articles(self, source: str | None = None, since: str | None = None,
                 until: str | None = None) -> list[ArticleRecord]:
        lo, hi = _search.date_filters(since, until)
        self.check()
        files = self.registry.file_names()
        story = self.registry.story_of()  # as kept: listing never opens the vector store (see `stories`)
        out = []
        for r in self.registry.article_list():
            d = dict(r)
            if not matches(d, source, lo, hi):
                continue
            out.append(ArticleRecord(id=d["id"], title=d["title"], outlet=d["outlet"], date=d["date"], url=d["url"],
                                     author=d["author"], file=d["source_file"],
                                     files=files.get(d["id"], [d["source_file"]]), path=d["path"], chunks=d["n_chunks"],
                                     hash=d["hash"], dup_of=d["dup_of"], story=story.get(d["id"])))
        return out

    def outlets(self) -> list[str]:
        self.check()
        return self.registry.outlets()

    def article(self, article_id: str) -> ArticleRecord:
        self.check()
        r = self.registry.article_row(article_id)
        if r is None:
            raise UsageError("Unknown article", f"no article with id {article_id} (see `newsbot articles`).")
        names = self.registry.names_of(article_id)
        return ArticleRecord(id=r["id"], title=r["title"], outlet=r["outlet"], date=r["date"], url=r["url"],
                             author=r["author"], file=r["source_file"], files=names or [r["source_file"]], path=r["path"],
                             chunks=r["n_chunks"], hash=r["hash"], dup_of=r["dup_of"], text=r["text"],
                             story=r["story"] if "story" in r.keys() else None)

    def stories(self) -> dict[str, str]:
        """article id -> story id (bot.store.stories); assigned now for articles that lack one (which
        reads their vectors from the vector store: `articles()` and `article()` give the stories as
        kept, which ingest assigns)."""
        from bot.store.stories import assign_stories

        self.check()
        return assign_stories(self)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0]

    def search(self, query: str, k: int = 8, source: str | None = None, since: str | None = None,
               until: str | None = None, mode: str = "hybrid") -> list[Passage]:
        return _search.search(self, query, k, source, since, until, mode)

    def passages(self, ids: list[str]) -> list[Passage]:
        """The passages of chunk ids, in the order given (unknown ids skipped)."""
        return _search.passages(self.registry, ids)

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The vector store's embeddings of chunk ids."""
        return self.store().get_embeddings(ids)
