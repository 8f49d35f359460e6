"""The article index: a SQLite registry (the source of truth), Chroma (dense vectors) and a
bm25s keyword index, kept consistent.

Layout of `<index>/`:
  registry.sqlite   articles, files (key -> content hash -> article id), chunks (text + offsets),
                    meta (`generation`, bumped by every committed change), MinHash signatures
  chroma/           Chroma PersistentClient, collection "chunks" (cosine), ids "<article>:<pos>"
  keyword/          bm25s arrays + chunk ids + the generation they were built from
  .lock             held by writers (ingest, remove, repair)

Crash safety: per article, embed -> Chroma upsert (deterministic ids) -> one SQLite transaction
(article + chunks + file row + generation++). Removal: SQLite first, then Chroma delete. So
Chroma can only ever hold orphans, which searches ignore and `inspect_index(repair=True)`
deletes; the keyword index is rebuilt from the registry whenever its generation is stale.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from bot.config import check_index_dir
from bot.core.chunking import chunk_spans, token_counter
from bot.core.parsing import SUPPORTED_EXTS, date_bound, date_int, normalize_text, parse_file
from bot.core.retrieval import chroma_where, collapse_duplicates, diversify, matches, rrf
from bot.core.types import Article, Passage
from bot.errors import DiskFull, IndexError_, NewsbotError, UsageError, low_space, names_full_disk, read_only_fs

SCHEMA_VERSION = 1
NUM_PERM = 128
SHINGLE = 3
MINHASH_SCHEME = "affine32"
NEAR_DUP_THRESHOLD = 0.6  # Jaccard of word 3-shingles: lightly edited copies of one story


def _batch_chunks() -> int:
    """Chunks embedded per flush (sorted by length: less padding); env NEWSBOT_INGEST_BATCH."""
    raw = os.environ.get("NEWSBOT_INGEST_BATCH", "").strip()
    if not raw:
        return 1024
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 1_000_000:
        raise UsageError("Bad setting", f"NEWSBOT_INGEST_BATCH (env): {raw!r} is not a whole number from 1 to 1000000.")
    return value


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL, title TEXT, outlet TEXT, date TEXT, date_int INTEGER DEFAULT 0,
  url TEXT, author TEXT, source_file TEXT, path TEXT, text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
  dup_of TEXT, similarity REAL, minhash BLOB, added_at REAL);
CREATE TABLE IF NOT EXISTS files (
  key TEXT NOT NULL, path TEXT NOT NULL, name TEXT NOT NULL, file_hash TEXT, article_id TEXT NOT NULL,
  PRIMARY KEY (key, article_id));
CREATE INDEX IF NOT EXISTS files_path ON files(path);
CREATE INDEX IF NOT EXISTS files_article ON files(article_id);
CREATE TABLE IF NOT EXISTS chunks (
  id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER NOT NULL, start INTEGER NOT NULL,
  end INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
"""


def article_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def article_id_for(text: str) -> str:
    return article_hash(text)[:16]


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    removed: int = 0  # articles whose files disappeared from an ingested folder
    restored: int = 0  # chunks of the registry missing from the vector store, embedded again
    failed: list[dict] = field(default_factory=list)  # {"file", "reason"}
    chunks_added: int = 0
    articles: int = 0  # total after the run
    chunks: int = 0  # total after the run
    files: int = 0  # files looked at
    seconds: float = 0.0
    embed_seconds: float = 0.0
    duplicate_of: list[dict] = field(default_factory=list)  # {"file", "article", "of"}
    near_duplicate_of: list[dict] = field(default_factory=list)  # {"file", "article", "of", "similarity"}

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        d["embed_seconds"] = round(self.embed_seconds, 3)
        d["ok"] = self.ok
        return d


@dataclass
class _Pending:
    art: Article
    aid: str
    hash: str
    spans: list[tuple[int, int]]
    old_aid: str | None  # single-article file: the article it held before (replaced atomically)
    dup_of: str | None
    similarity: float | None
    minhash: bytes
    file_key: str  # the file plan it belongs to


@dataclass
class _FilePlan:
    path: str
    name: str
    file_hash: str  # "" when the file had errors (so it is parsed again next time)
    keys: dict[str, str]  # key -> article id
    pending: int = 0


# ----------------------------------------------------------------------------- helpers

def collect_files(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Files to ingest (folders recursively: supported extensions, hidden entries skipped) and
    the given paths that do not exist."""
    out: list[Path] = []
    missing: list[str] = []
    seen: set[str] = set()
    for p in paths:
        p = Path(p).expanduser()
        if not p.exists() and not p.is_symlink():
            missing.append(str(p))
            continue
        if p.is_dir():
            found = []
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in files:
                    if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED_EXTS:
                        found.append(Path(root) / f)
            candidates = sorted(found)
        else:
            candidates = [p]
        for c in candidates:
            key = str(c.absolute())
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out, missing


def _shingles(text: str) -> list[bytes]:
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    if len(words) < SHINGLE:
        return [" ".join(words).encode()] if words else [b""]
    return list({" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)})


def minhash_of(text: str):
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, scheme=MINHASH_SCHEME)
    mh.update_batch(_shingles(text))
    return mh


def _minhash_from_blob(blob: bytes):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype=np.uint64), scheme=MINHASH_SCHEME)


def _meta_for_chroma(aid: str, pos: int, start: int, end: int, art_row: dict) -> dict:
    outlet = art_row.get("outlet") or ""
    return {"article_id": aid, "position": pos, "start": start, "end": end, "title": art_row.get("title") or "",
            "outlet": outlet, "outlet_lc": outlet.strip().lower(), "date": art_row.get("date") or "",
            "date_int": int(art_row.get("date_int") or 0), "source_file": art_row.get("source_file") or ""}


def embed_text(title: str, chunk_text: str, position: int) -> str:
    """What gets embedded: later chunks carry the article title for context."""
    return chunk_text if position == 0 or not title else f"{title}. {chunk_text}"


def _lock_error(root: Path, timeout: float) -> IndexError_:
    return IndexError_("Index is locked", f"another newsbot process is writing to {root}; wait for it to finish and try "
                       f"again (waited {timeout:g}s; raise lock_timeout to wait longer).")


def _no_index(root: Path) -> IndexError_:
    return IndexError_("No index", f"no index at {root}: run `newsbot ingest FOLDER --index {root}` first.")


# SQLite's extended result codes for a failed write (IOERR_WRITE, _FSYNC, _DIR_FSYNC, _TRUNCATE) or
# a failure to make the WAL's shared-memory file (IOERR_SHMOPEN, _SHMSIZE, _SHMMAP): on a full disk
# these come instead of SQLITE_FULL (e.g. a reader that must create registry.sqlite-shm)
_WRITE_IOERRS = {778, 1034, 1290, 1546, 4618, 4874, 5386}
_SQLITE_CANTOPEN = 14


def _not_writable(root: Path) -> bool:
    return read_only_fs(root) or (root.is_dir() and not os.access(root, os.W_OK))


def _registry_error(root: Path, exc: sqlite3.Error) -> NewsbotError | None:
    """The index error for a registry failure that is not a bug (damage, lock, read-only, full
    disk); None for programming errors, which stay unexpected."""
    text = " ".join(str(exc).split())
    low = text.lower()
    path = root / "registry.sqlite"
    code = getattr(exc, "sqlite_errorcode", None) or 0
    if names_full_disk(exc):
        return DiskFull(root, path, text)
    if isinstance(exc, sqlite3.OperationalError):
        if "locked" in low or "busy" in low:
            return IndexError_("Index is locked", f"{path}: {text}; another newsbot process is writing to {root}, "
                               "wait for it to finish and try again.")
        if "readonly" in low or "read-only" in low:
            return IndexError_("Index is read-only", f"{path}: {text}; make {root} writable, or give another --index.")
        if code in _WRITE_IOERRS or code & 0xFF == _SQLITE_CANTOPEN:
            if low_space(root):
                return DiskFull(root, path, text)
            if _not_writable(root):
                return IndexError_("Index is read-only", f"{path}: {text}; make {root} writable, or give another --index.")
        if code in _WRITE_IOERRS:  # not damage: do not advise deleting the index
            return IndexError_("Index write failed", f"{path}: {text}{_fsize_limit()}; check the disk holding {root} "
                               "(free space, the file size limit), then run the command again.")
        if not any(w in low for w in ("disk i/o", "no such table", "no such column", "unable to open", "malformed",
                                      "corrupt", "not a database")):
            return None
    elif type(exc) is not sqlite3.DatabaseError and not isinstance(exc, (sqlite3.InternalError, sqlite3.DataError)):
        return None  # IntegrityError, ProgrammingError, ...: a bug, not damage
    return IndexError_("Index registry unreadable", f"{path}: {text}; run `newsbot doctor`, or delete {root} and "
                       "ingest again.")


def _fsize_limit() -> str:
    """The process's file size limit (`ulimit -f`), when there is one: writes past it fail with EFBIG."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, OSError, ValueError):
        return ""
    return "" if soft == resource.RLIM_INFINITY else f" (the file size limit is {soft} bytes: `ulimit -f`)"


def _translate(cur_or_conn, exc: sqlite3.Error):
    err = _registry_error(getattr(cur_or_conn, "index_root", None) or Path("."), exc)
    if err is None:
        raise exc
    raise err from None


class _RegistryCursor(sqlite3.Cursor):
    """Registry damage found while reading rows becomes an IndexError_ (exit 4) that says what to do."""

    @property
    def index_root(self):
        return getattr(self.connection, "index_root", None)

    def execute(self, *args):
        try:
            return super().execute(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def executemany(self, *args):
        try:
            return super().executemany(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def executescript(self, *args):
        try:
            return super().executescript(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def fetchone(self):
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            _translate(self, exc)

    def fetchmany(self, *args):
        try:
            return super().fetchmany(*args)
        except sqlite3.Error as exc:
            _translate(self, exc)

    def fetchall(self):
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            _translate(self, exc)

    def __next__(self):
        try:
            return super().__next__()
        except sqlite3.Error as exc:
            _translate(self, exc)


class _RegistryConnection(sqlite3.Connection):
    index_root: Path | None = None

    def cursor(self, factory=_RegistryCursor):
        return super().cursor(factory)

    def execute(self, *args):
        return self.cursor().execute(*args)

    def executemany(self, *args):
        return self.cursor().executemany(*args)

    def executescript(self, *args):
        return self.cursor().executescript(*args)


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if names_full_disk(exc):
            raise DiskFull(path, path, exc.strerror or exc) from None
        raise UsageError("Bad index directory", f"cannot create {path} ({exc.strerror or exc}); give a directory you "
                         "can write with --index.") from None


# ----------------------------------------------------------------------------- the index

class Index:
    def __init__(self, settings, embedder=None):
        self.settings = settings
        self.root = Path(settings.index_dir)
        self._embedder = embedder
        self._db: sqlite3.Connection | None = None
        self._store = None
        self._kw = None
        self._counter = None
        self.batch_chunks = _batch_chunks()

    # ------------------------------------------------------------------ resources

    @property
    def registry_path(self) -> Path:
        return self.root / "registry.sqlite"

    @property
    def keyword_dir(self) -> Path:
        return self.root / "keyword"

    def exists(self) -> bool:
        if self.settings.chroma_url and not getattr(self, "_remote_synced", False):
            self._remote_synced = True  # server mode: bring the local sidecar in step first (bot.core.remote)
            from bot.core.remote import sync_from_store

            sync_from_store(self)
        return self.registry_path.is_file()

    def db(self, create: bool = False) -> sqlite3.Connection:
        if self._db is None:
            if create:
                check_index_dir(self.root)
            if not self.exists():
                if not create:
                    raise _no_index(self.root)
                _make_dir(self.root)
            conn = None
            try:
                if not create and _not_writable(self.root):
                    conn = self._open_read_only()
                else:
                    conn = sqlite3.connect(str(self.registry_path), timeout=max(5.0, self.settings.lock_timeout),
                                           isolation_level=None, check_same_thread=False, factory=_RegistryConnection)
                    conn.index_root = self.root
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA foreign_keys=OFF")
                if create:
                    conn.executescript(SCHEMA)
                    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0')")
                    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('embed_model', ?)", (self.settings.embed_model,))
                else:
                    conn.execute("SELECT 1 FROM articles LIMIT 1")
            except (sqlite3.Error, NewsbotError) as exc:
                if conn is not None:
                    conn.close()
                if isinstance(exc, NewsbotError):
                    raise
                err = _registry_error(self.root, exc)
                if err is not None and err.title != "Index registry unreadable":
                    raise err from None
                raise IndexError_("Index registry unreadable", f"{self.registry_path}: {exc}; run `newsbot doctor`, "
                                  f"or delete {self.root} and ingest again.") from None
            self._db = conn
        elif create:
            self._db.executescript(SCHEMA)
        return self._db

    def _open_read_only(self) -> sqlite3.Connection:
        """The registry of an index we cannot write (a read-only mount, a directory of another
        user's): SQLite's WAL mode wants to create registry.sqlite-shm even to read. Opened with
        mode=ro (enough when the -shm file is there); on a read-only mount, where nobody can be
        writing, as immutable when no -wal file holds commits it would then miss."""
        from urllib.parse import quote

        uri = "file:" + quote(str(self.registry_path.absolute()))
        kw = dict(timeout=max(5.0, self.settings.lock_timeout), isolation_level=None, check_same_thread=False,
                  factory=_RegistryConnection, uri=True)
        conn = sqlite3.connect(uri + "?mode=ro", **kw)
        conn.index_root = self.root
        try:
            conn.execute("SELECT 1 FROM meta LIMIT 1")
            return conn
        except NewsbotError:
            conn.close()
            wal = self.registry_path.with_name(self.registry_path.name + "-wal")
            if self.registry_path.with_name(self.registry_path.name + "-shm").exists():
                raise  # not the missing -shm file: damage, said as such
            if not read_only_fs(self.root) or (wal.exists() and wal.stat().st_size > 0):
                raise IndexError_("Index is read-only", f"cannot read {self.registry_path} without writing beside it "
                                  f"(SQLite needs {self.registry_path.name}-shm); make {self.root} writable, or copy "
                                  "it to a writable place and give that with --index.") from None
        conn = sqlite3.connect(uri + "?mode=ro&immutable=1", **kw)
        conn.index_root = self.root
        return conn

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
        row = self.db().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def chunk_count(self) -> int:
        return self.db().execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def store_count(self) -> int | None:
        """Chunks in the vector store. The embedded store is counted in its own SQLite file,
        without loading Chroma (0 when `chroma/` is missing or emptied; None when that file
        cannot be read, e.g. another Chroma version); a server is asked."""
        if self.settings.chroma_url:
            return self.store().count()
        path = self.root / "chroma" / "chroma.sqlite3"
        if not path.is_file():
            return 0
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
            try:
                return int(conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
            finally:
                conn.close()
        except sqlite3.Error:
            if self._store is not None:
                return self._store.count()
            return None

    def check(self) -> None:
        """What every reader does first: the index exists, its registry is readable, and the
        vector store holds every chunk of the registry (it may hold more: an interrupted ingest or
        removal leaves orphans, which searches ignore). Checked once per registry generation; the
        keyword index is rebuilt from the registry whenever it is out of step (see `keyword`).
        Raises IndexError_ (exit 4) saying what to do. (With a Chroma server the server is the
        source of truth: `exists()` has already brought the registry in step with it.)"""
        if not self.exists():
            raise _no_index(self.root)
        if self.settings.chroma_url:
            return
        gen = self.generation()
        if getattr(self, "_checked_gen", None) == gen:
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
        _make_dir(self.root)
        t = self.settings.lock_timeout if timeout is None else timeout
        lock = FileLock(str(self.root / ".lock"), timeout=t)
        try:
            lock.acquire()
        except Timeout:
            raise _lock_error(self.root, t) from None
        except OSError as exc:
            if names_full_disk(exc):
                raise DiskFull(self.root, self.root / ".lock", exc.strerror or exc) from None
            raise IndexError_("Index not writable", f"cannot write {self.root / '.lock'} ({exc.strerror or exc}); make "
                              f"{self.root} writable, or give another --index.") from None
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self.db()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            conn.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back by itself (SQLITE_FULL, SQLITE_IOERR): then ROLLBACK would
            # fail with "no transaction is active" and hide the error that says what happened
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except (sqlite3.Error, NewsbotError):
                    pass
            raise

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._store is not None:
            self._store.close()
            self._store = None
        self._kw = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ ingest

    def ingest(self, paths: list[Path], outlet: str | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> IngestReport:
        t0 = time.perf_counter()
        files, missing = collect_files([Path(p) for p in paths])
        if missing:
            raise UsageError("Path not found", ", ".join(missing))
        if not files:
            exts = " ".join(sorted(SUPPORTED_EXTS))
            raise UsageError("Nothing to ingest", f"no supported files in {', '.join(str(p) for p in paths)} (supported: {exts}).")
        rep = IngestReport(files=len(files))
        try:
            self._ingest(files, paths, outlet, progress, rep)
        except DiskFull as exc:  # say it in ingest's words: the same ingest again carries on
            raise exc.again("run the same `newsbot ingest` again: it carries on where this one stopped") from None
        rep.seconds = time.perf_counter() - t0
        return rep

    def _ingest(self, files: list[Path], paths: list[Path], outlet: str | None, progress, rep: IngestReport) -> None:
        with self.write_lock():
            self.db(create=True)
            t = time.perf_counter()
            rep.restored = self.restore_store()
            if rep.restored:
                rep.embed_seconds += time.perf_counter() - t
            self._lsh, self._mh_cache = self._load_lsh()
            self._plans: dict[str, _FilePlan] = {}
            self._plan_order: list[str] = []
            self._pending: list[_Pending] = []
            self._pending_ids: dict[str, _Pending] = {}
            self._done_files = 0
            gen0 = self.generation()
            done = False
            try:
                for f in files:
                    self._plan_file(f, outlet, rep)
                    if sum(len(p.spans) for p in self._pending) >= self.batch_chunks:
                        self._flush(rep, progress, len(files))
                self._flush(rep, progress, len(files))
                dirs = [Path(p).expanduser().absolute() for p in paths if Path(p).is_dir()]
                if dirs:
                    self._prune(dirs, {str(f.absolute()) for f in files}, rep)
                if self.settings.chroma_url:  # record the server state the sidecar is in step with
                    from bot.core.remote import sync_from_store

                    sync_from_store(self)
                done = True
            finally:
                try:
                    if self.generation() != gen0 or self.keyword_stale():
                        self._rebuild_keyword(save=True, strict=done)
                except DiskFull:
                    if done:  # everything else is in: say so, rather than leave it to every reader
                        raise
                except Exception:
                    pass  # rebuilt lazily by the next reader or `newsbot doctor`
            rep.articles, rep.chunks = self.counts()

    def restore_store(self, store_ids: set[str] | None = None) -> int:
        """Embed again the registry's chunks that the vector store lacks (a deleted or emptied
        `chroma/`, a store restored from an old copy); returns how many. Cheap when nothing is
        missing: the store is listed only when it holds fewer chunks than the registry. Call it
        under the write lock. Not with a Chroma server: there the registry follows the server
        (bot.core.remote), and `exists()` has already synced it."""
        chunks = self.chunk_count()
        if not chunks or (self.settings.chroma_url and store_ids is None):
            return 0
        if store_ids is None:
            stored = self.store_count()
            if stored is not None and stored >= chunks:
                return 0
            store_ids = set(self.store().get_ids())
        missing = sorted({r[0] for r in self.db().execute("SELECT id FROM chunks")} - store_ids)
        for s in range(0, len(missing), self.batch_chunks):
            part = missing[s:s + self.batch_chunks]
            rows = self.db().execute(f"SELECT c.id, c.article_id, c.position, c.start, c.end, c.text, a.title, a.outlet, "
                                     f"a.date, a.date_int, a.source_file FROM chunks c JOIN articles a ON a.id=c.article_id "
                                     f"WHERE c.id IN ({','.join('?' * len(part))})", part).fetchall()
            vecs = self.embedder.embed([embed_text(r["title"], r["text"], r["position"]) for r in rows])
            self.store().upsert([r["id"] for r in rows], vecs, [r["text"] for r in rows],
                                [_meta_for_chroma(r["article_id"], r["position"], r["start"], r["end"], dict(r)) for r in rows])
        return len(missing)

    def _load_lsh(self):
        from datasketch import MinHashLSH

        lsh = MinHashLSH(threshold=NEAR_DUP_THRESHOLD, num_perm=NUM_PERM)
        cache = {}
        for row in self.db().execute("SELECT id, minhash FROM articles WHERE minhash IS NOT NULL ORDER BY rowid"):
            mh = _minhash_from_blob(row["minhash"])
            lsh.insert(row["id"], mh)
            cache[row["id"]] = mh
        return lsh, cache

    def _plan_file(self, path: Path, outlet: str | None, rep: IngestReport) -> None:
        db = self.db()
        ap = str(path.absolute())
        shown = str(path)
        try:
            st = path.stat()
            if st.st_size > self.settings.max_file_mb * 1024 * 1024:
                rep.failed.append({"file": shown, "reason": f"file too large ({st.st_size / 1048576:.1f} MB > "
                                   f"max_file_mb {self.settings.max_file_mb:g} MB)"})
                self._done_files += 1
                return
            if not path.is_file():
                rep.failed.append({"file": shown, "reason": "not a regular file"})
                self._done_files += 1
                return
            data = path.read_bytes()
        except PermissionError:
            rep.failed.append({"file": shown, "reason": "permission denied (unreadable)"})
            self._done_files += 1
            return
        except OSError as exc:
            rep.failed.append({"file": shown, "reason": f"unreadable ({exc.strerror or exc})"})
            self._done_files += 1
            return
        fhash = hashlib.sha256(data).hexdigest()
        old_rows = db.execute("SELECT key, file_hash, article_id FROM files WHERE path=?", (ap,)).fetchall()
        if old_rows and all(r["file_hash"] == fhash for r in old_rows):
            rep.unchanged += len(old_rows)
            self._done_files += 1
            return
        res = parse_file(path, outlet=outlet, max_mb=self.settings.max_file_mb, data=data)
        for reason in res.errors:
            rep.failed.append({"file": shown, "reason": reason})
        if not res.articles:
            self._done_files += 1
            return
        old_by_key = {r["key"]: r["article_id"] for r in old_rows}
        old_aids = set(old_by_key.values())
        plan = _FilePlan(ap, path.name, "" if res.errors else fhash, {})
        self._plans[ap] = plan
        self._plan_order.append(ap)
        single = len(res.articles) == 1 and len(old_aids) <= 1
        arts: list[tuple[Article, str, str]] = []
        for art in res.articles:
            h = article_hash(art.text)
            if h[:16] in plan.keys.values():  # the same article twice in one file
                rep.duplicates += 1
                rep.duplicate_of.append({"file": shown, "article": h[:16], "of": path.name})
                continue
            plan.keys[art.key] = h[:16]
            arts.append((art, h[:16], h))
        new_aids = set(plan.keys.values())
        for art, aid, h in arts:
            if aid in old_aids:
                rep.unchanged += 1  # same text (possibly moved within a multi-article file)
                continue
            existing = db.execute("SELECT a.id, (SELECT name FROM files WHERE article_id=a.id LIMIT 1) AS name "
                                  "FROM articles a WHERE a.id=?", (aid,)).fetchone()
            if existing is not None or aid in self._pending_ids:
                rep.duplicates += 1
                of = existing["name"] if existing is not None else self._pending_ids[aid].art.source_file
                rep.duplicate_of.append({"file": shown, "article": aid, "of": of})
                continue
            old_aid = old_by_key.get(art.key)
            if single and old_aids:
                old_aid = next(iter(old_aids))
            if old_aid is not None and old_aid not in new_aids:
                rep.updated += 1
            else:
                rep.added += 1
            mh = minhash_of(art.text)
            dup_of, sim = self._near_dup(mh, aid)
            if dup_of:
                rep.near_duplicates += 1
                of_row = db.execute("SELECT source_file FROM articles WHERE id=?", (dup_of,)).fetchone()
                of = of_row[0] if of_row else (self._pending_ids[dup_of].art.source_file if dup_of in self._pending_ids else dup_of)
                rep.near_duplicate_of.append({"file": shown, "article": aid, "of": of, "of_article": dup_of,
                                              "similarity": round(sim, 3)})
            self._lsh.insert(aid, mh)
            self._mh_cache[aid] = mh
            spans = chunk_spans(art.text, self.count_tokens)
            p = _Pending(art, aid, h, spans, old_aid if single else None, dup_of, sim,
                         mh.hashvalues.astype(np.uint64).tobytes(), ap)
            self._pending.append(p)
            self._pending_ids[aid] = p
            plan.pending += 1

    def _near_dup(self, mh, aid: str) -> tuple[str | None, float | None]:
        cands = [c for c in self._lsh.query(mh) if c != aid]
        if not cands:
            return None, None
        db = self.db()
        best: tuple[int, str, float] | None = None
        for c in cands:
            sim = float(mh.jaccard(self._mh_cache[c]))
            if sim < NEAR_DUP_THRESHOLD:
                continue
            row = db.execute("SELECT rowid, dup_of FROM articles WHERE id=?", (c,)).fetchone()
            if row is not None:
                order, root = row[0], row[1] or c
            elif c in self._pending_ids:
                order, root = 1 << 62, self._pending_ids[c].dup_of or c
            else:
                continue  # removed meanwhile
            if best is None or order < best[0]:
                best = (order, root, sim)
        return (best[1], best[2]) if best else (None, None)

    def _flush(self, rep: IngestReport, progress, total: int) -> None:
        pend, self._pending = self._pending, []
        if pend:
            texts, ids, docs, metas = [], [], [], []
            for p in pend:
                row = self._article_row(p)
                for pos, (s, e) in enumerate(p.spans):
                    chunk = p.art.text[s:e]
                    ids.append(f"{p.aid}:{pos}")
                    docs.append(chunk)
                    texts.append(embed_text(p.art.title, chunk, pos))
                    metas.append(_meta_for_chroma(p.aid, pos, s, e, row))
            t = time.perf_counter()
            vecs = self.embedder.embed(texts)
            rep.embed_seconds += time.perf_counter() - t
            self.store().upsert(ids, vecs, docs, metas)
            for p in pend:
                self._commit_article(p)
                rep.chunks_added += len(p.spans)
                self._pending_ids.pop(p.aid, None)
                plan = self._plans.get(p.file_key)
                if plan:
                    plan.pending -= 1
        # file rows (hashes, duplicates, dropped keys) once all their articles are committed
        for ap in list(self._plan_order):
            plan = self._plans[ap]
            if plan.pending > 0:
                continue
            self._commit_file(plan, rep)
            self._plan_order.remove(ap)
            del self._plans[ap]
            self._done_files += 1
            if progress:
                progress(self._done_files, total, plan.name)
        if progress and not self._plan_order:
            progress(self._done_files, total, "")

    def _article_row(self, p: _Pending) -> dict:
        a = p.art
        return {"id": p.aid, "hash": p.hash, "title": a.title, "outlet": a.outlet, "date": a.date,
                "date_int": date_int(a.date), "url": a.url, "author": a.author, "source_file": a.source_file,
                "path": a.path, "text": a.text, "n_chunks": len(p.spans), "dup_of": p.dup_of,
                "similarity": p.similarity, "minhash": p.minhash, "added_at": time.time()}

    def _commit_article(self, p: _Pending) -> None:
        row = self._article_row(p)
        gone: list[str] = []
        with self._tx() as db:
            db.execute(f"INSERT OR REPLACE INTO articles({','.join(row)}) VALUES ({','.join('?' * len(row))})",
                       list(row.values()))
            db.execute("DELETE FROM chunks WHERE article_id=?", (p.aid,))
            db.executemany("INSERT INTO chunks(id, article_id, position, start, end, text) VALUES (?,?,?,?,?,?)",
                           [(f"{p.aid}:{i}", p.aid, i, s, e, p.art.text[s:e]) for i, (s, e) in enumerate(p.spans)])
            db.execute("INSERT OR REPLACE INTO files(key, path, name, file_hash, article_id) VALUES (?,?,?,NULL,?)",
                       (p.art.key, p.art.path, p.art.source_file, p.aid))
            if p.old_aid and p.old_aid != p.aid:  # a changed single-article file: swap atomically
                db.execute("DELETE FROM files WHERE path=? AND article_id=?", (p.art.path, p.old_aid))
                gone = self._gc_articles(db, [p.old_aid])
        self._delete_chunks_from_store(gone)

    def _commit_file(self, plan: _FilePlan, rep: IngestReport) -> None:
        """Record the file's rows with its hash; drop rows of articles it no longer holds."""
        db = self.db()
        fh = plan.file_hash or None
        cur = {(r["key"], r["article_id"]): r["file_hash"] for r in
               db.execute("SELECT key, article_id, file_hash FROM files WHERE path=?", (plan.path,))}
        want = set(plan.keys.items())
        if set(cur) == want and all(cur[x] == fh for x in want):
            return
        gone: list[str] = []
        with self._tx() as db:
            for key, aid in want:
                if not db.execute("SELECT 1 FROM articles WHERE id=?", (aid,)).fetchone():
                    continue  # not committed (should not happen): the file stays unhashed, parsed again next time
                db.execute("INSERT OR REPLACE INTO files(key, path, name, file_hash, article_id) VALUES (?,?,?,?,?)",
                           (key, plan.path, plan.name, fh, aid))
            stale = [x for x in cur if x not in want]
            db.executemany("DELETE FROM files WHERE key=? AND article_id=?", stale)
            gone = self._gc_articles(db, [aid for _k, aid in stale])
        self._delete_chunks_from_store(gone)

    def _gc_articles(self, db: sqlite3.Connection, aids: list[str]) -> list[str]:
        """Delete articles no file refers to any more (inside the caller's transaction); returns
        their chunk ids (to delete from Chroma after the commit). Fixes path/source_file and
        near-duplicate links of the survivors."""
        gone: list[str] = []
        for aid in dict.fromkeys(aids):
            refs = db.execute("SELECT path, name FROM files WHERE article_id=? ORDER BY rowid", (aid,)).fetchall()
            if refs:
                cur = db.execute("SELECT path FROM articles WHERE id=?", (aid,)).fetchone()
                if cur and cur[0] not in [r["path"] for r in refs]:
                    db.execute("UPDATE articles SET path=?, source_file=? WHERE id=?", (refs[0]["path"], refs[0]["name"], aid))
                continue
            gone.extend(r[0] for r in db.execute("SELECT id FROM chunks WHERE article_id=?", (aid,)))
            db.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
            db.execute("DELETE FROM articles WHERE id=?", (aid,))
            copies = [r[0] for r in db.execute("SELECT id FROM articles WHERE dup_of=? ORDER BY rowid", (aid,))]
            if copies:
                db.execute("UPDATE articles SET dup_of=NULL WHERE id=?", (copies[0],))
                db.execute("UPDATE articles SET dup_of=? WHERE dup_of=?", (copies[0], aid))
            if getattr(self, "_lsh", None) is not None and aid in self._mh_cache:
                try:
                    self._lsh.remove(aid)
                except (ValueError, KeyError):
                    pass
                self._mh_cache.pop(aid, None)
        return gone

    def _delete_chunks_from_store(self, chunk_ids: list[str]) -> None:
        if chunk_ids:
            try:
                self.store().delete(chunk_ids)
            except IndexError_:
                pass  # orphans: ignored by searches, removed by `newsbot doctor`

    def _prune(self, dirs: list[Path], seen: set[str], rep: IngestReport) -> None:
        """Forget files under the ingested folders that no longer exist on disk."""
        db = self.db()
        victims: list[str] = []
        for d in dirs:
            prefix = str(d).rstrip(os.sep) + os.sep
            for r in db.execute("SELECT DISTINCT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)):
                if r[0] not in seen and not os.path.lexists(r[0]):
                    victims.append(r[0])
        if not victims:
            return
        for path in victims:
            before = self.counts()[0]
            self._remove_paths([path])
            rep.removed += before - self.counts()[0]

    # ------------------------------------------------------------------ keyword index

    def keyword_stale(self) -> bool:
        if not self.exists():
            return False
        return _kw_generation(self.keyword_dir) != self.generation()

    def _rebuild_keyword(self, save: bool = True, strict: bool = False):
        """Rebuild the keyword index from the registry (and save it). A save that fails is
        ignored (readers rebuild it in memory), unless `strict` and the disk is full: DiskFull."""
        from bot.backends.keyword import KeywordIndex

        db = self.db()
        for _ in range(3):
            gen = self.generation()
            rows = db.execute("SELECT id, text FROM chunks ORDER BY article_id, position").fetchall()
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
                return self._rebuild_keyword(save=True)
        except IndexError_:
            return self._rebuild_keyword(save=False)  # a writer is busy: use an in-memory copy

    # ------------------------------------------------------------------ remove

    def remove(self, id_or_path: str) -> dict:
        """Remove an article (by id, or a unique id prefix) or everything from a file (by path
        or file name). Returns {"removed": [article ids], "files": [paths], "chunks": n}."""
        if not self.exists():
            raise _no_index(self.root)
        with self.write_lock():
            db = self.db()
            target = id_or_path.strip()
            ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE id=?", (target,))]
            if not ids and len(target) >= 6 and all(c in "0123456789abcdef" for c in target.lower()):
                ids = [r[0] for r in db.execute("SELECT id FROM articles WHERE id LIKE ?", (target.lower() + "%",))]
                if len(ids) > 1:
                    raise UsageError("Ambiguous id", f"{target} matches {len(ids)} articles; give more characters.")
            if ids:
                paths = [r[0] for r in db.execute("SELECT DISTINCT path FROM files WHERE article_id=?", (ids[0],))]
                n_chunks = self._remove_articles(ids)
                result = {"removed": ids, "files": paths, "chunks": n_chunks}
            else:
                p = Path(target).expanduser()
                paths = [r[0] for r in db.execute("SELECT DISTINCT path FROM files WHERE path=?", (str(p.absolute()),))]
                if not paths:
                    paths = [r[0] for r in db.execute("SELECT DISTINCT path FROM files WHERE name=?", (p.name,))]
                    if len(paths) > 1:
                        raise UsageError("Ambiguous file name", f"{target} matches {len(paths)} indexed files; give the full path.")
                if not paths:
                    raise UsageError("Not in the index", f"no article id or indexed file matches '{target}' (see `newsbot articles`).")
                result = self._remove_paths(paths)
            self._rebuild_keyword(save=True)
        return result

    def _remove_articles(self, ids: list[str]) -> int:
        with self._tx() as db:
            db.executemany("DELETE FROM files WHERE article_id=?", [(i,) for i in ids])
            gone = self._gc_articles(db, ids)
        self._delete_chunks_from_store(gone)
        return len(gone)

    def _remove_paths(self, paths: list[str]) -> dict:
        with self._tx() as db:
            aids: list[str] = []
            for p in paths:
                aids.extend(r[0] for r in db.execute("SELECT article_id FROM files WHERE path=?", (p,)))
                db.execute("DELETE FROM files WHERE path=?", (p,))
            exist_before = {a for a in aids if db.execute("SELECT 1 FROM articles WHERE id=?", (a,)).fetchone()}
            gone = self._gc_articles(db, aids)
            removed = [a for a in dict.fromkeys(aids) if a in exist_before and
                       not db.execute("SELECT 1 FROM articles WHERE id=?", (a,)).fetchone()]
        self._delete_chunks_from_store(gone)
        return {"removed": removed, "files": paths, "chunks": len(gone)}

    # ------------------------------------------------------------------ listing

    def counts(self) -> tuple[int, int]:
        if not self.exists():
            return 0, 0
        db = self.db()
        return (db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
                db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def _filters(self, since, until) -> tuple[int | None, int | None]:
        try:
            return date_bound(since), date_bound(until, end=True)
        except ValueError as exc:
            raise UsageError("Bad date", f"{exc}.") from None

    def articles(self, source: str | None = None, since: str | None = None, until: str | None = None) -> list[dict]:
        lo, hi = self._filters(since, until)
        self.check()
        db = self.db()
        files: dict[str, list[str]] = {}
        for r in db.execute("SELECT article_id, name FROM files ORDER BY rowid"):
            lst = files.setdefault(r[0], [])
            if r[1] not in lst:
                lst.append(r[1])
        out = []
        for r in db.execute("SELECT id, title, outlet, date, date_int, url, author, source_file, path, n_chunks, hash, dup_of "
                            "FROM articles ORDER BY date_int = 0, date_int, source_file, id"):
            d = dict(r)
            if not matches(d, source, lo, hi):
                continue
            out.append({"id": d["id"], "title": d["title"], "outlet": d["outlet"], "date": d["date"], "url": d["url"],
                        "author": d["author"], "file": d["source_file"], "files": files.get(d["id"], [d["source_file"]]),
                        "path": d["path"], "chunks": d["n_chunks"], "hash": d["hash"], "dup_of": d["dup_of"]})
        return out

    def article(self, article_id: str) -> dict:
        self.check()
        db = self.db()
        r = db.execute("SELECT * FROM articles WHERE id=?", (article_id,)).fetchone()
        if r is None:
            raise UsageError("Unknown article", f"no article with id {article_id} (see `newsbot articles`).")
        names = list(dict.fromkeys(x[0] for x in db.execute("SELECT name FROM files WHERE article_id=? ORDER BY rowid", (article_id,))))
        return {"id": r["id"], "title": r["title"], "outlet": r["outlet"], "date": r["date"], "url": r["url"],
                "author": r["author"], "file": r["source_file"], "files": names or [r["source_file"]], "path": r["path"],
                "chunks": r["n_chunks"], "hash": r["hash"], "dup_of": r["dup_of"], "text": r["text"]}

    # ------------------------------------------------------------------ search

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0]

    def search(self, query: str, k: int = 8, source: str | None = None, since: str | None = None,
               until: str | None = None, mode: str = "hybrid") -> list[Passage]:
        if mode not in ("dense", "keyword", "hybrid"):
            raise UsageError("Bad search mode", f"{mode!r}; use dense, keyword or hybrid.")
        if k < 1:
            raise UsageError("Bad k", f"{k}: the number of passages must be at least 1.")
        lo, hi = self._filters(since, until)
        self.check()
        db = self.db()
        if self.counts()[1] == 0:
            raise IndexError_("Index is empty", f"{self.root} holds no articles; run `newsbot ingest PATH` first.")
        if not query or not query.strip():
            return []
        n = max(4 * k, 24)
        dense: list[str] = []
        dscore: dict[str, float] = {}
        kw_ids: list[str] = []
        kscore: dict[str, float] = {}
        if mode in ("dense", "hybrid"):
            hits = self.store().query(self.embed_query(query), n + 8, chroma_where(source, lo, hi))
            known = self._known_chunks([h[0] for h in hits])
            for cid, dist in hits:
                if cid in known and cid not in dscore:
                    dense.append(cid)
                    dscore[cid] = 1.0 - dist
            dense = dense[:n]
        if mode in ("keyword", "hybrid"):
            allowed = None
            if source or lo is not None or hi is not None:
                allowed = set()
                for r in db.execute("SELECT a.outlet, a.date_int, c.id FROM chunks c JOIN articles a ON a.id = c.article_id"):
                    if matches({"outlet": r[0], "date_int": r[1]}, source, lo, hi):
                        allowed.add(r[2])
            for cid, sc in self.keyword().search(query, n, allowed):
                kw_ids.append(cid)
                kscore[cid] = sc
        if mode == "dense":
            ranked = [(c, dscore[c]) for c in dense]
        elif mode == "keyword":
            ranked = [(c, kscore[c]) for c in kw_ids]
        else:
            ranked = rrf([dense, kw_ids])
        passages = self._passages([c for c, _ in ranked])
        drank = {c: i + 1 for i, c in enumerate(dense)}
        krank = {c: i + 1 for i, c in enumerate(kw_ids)}
        score = dict(ranked)
        for p in passages:
            p.score = float(score.get(p.chunk_id, 0.0))
            p.dense_rank = drank.get(p.chunk_id)
            p.keyword_rank = krank.get(p.chunk_id)
        aids = list({p.article_id for p in passages})  # only the retrieved articles: no scan of the table
        group = {r[0]: r[1] for r in db.execute(
            f"SELECT id, dup_of FROM articles WHERE dup_of IS NOT NULL AND id IN ({','.join('?' * len(aids))})", aids)}
        passages = collapse_duplicates(passages, group)
        return diversify(passages, k)

    def _known_chunks(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        q = ",".join("?" * len(ids))
        return {r[0] for r in self.db().execute(f"SELECT id FROM chunks WHERE id IN ({q})", ids)}

    def _passages(self, ids: list[str]) -> list[Passage]:
        if not ids:
            return []
        q = ",".join("?" * len(ids))
        rows = {r["id"]: r for r in self.db().execute(
            f"SELECT c.id, c.article_id, c.position, c.start, c.end, c.text, a.title, a.outlet, a.date, a.source_file "
            f"FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({q})", ids)}
        aids = sorted({r["article_id"] for r in rows.values()})
        names: dict[str, list[str]] = {}
        if aids:
            for aid, name in self.db().execute(
                    f"SELECT article_id, name FROM files WHERE article_id IN ({','.join('?' * len(aids))}) ORDER BY rowid", aids):
                if name not in names.setdefault(aid, []):
                    names[aid].append(name)
        out = []
        for cid in ids:
            r = rows.get(cid)
            if r is None:
                continue
            files = names.get(r["article_id"], [])
            files = [r["source_file"]] + [f for f in files if f != r["source_file"]]
            out.append(Passage(chunk_id=cid, article_id=r["article_id"], text=r["text"], start=r["start"], end=r["end"],
                               position=r["position"], title=r["title"], outlet=r["outlet"], date=r["date"],
                               source_file=r["source_file"], files=files))
        return out


def _kw_generation(directory: Path) -> int | None:
    from bot.backends.keyword import KeywordIndex

    return KeywordIndex.read_generation(directory)


# ----------------------------------------------------------------------------- doctor

def inspect_index(settings, repair: bool = True, embedder=None) -> dict:
    """Health of the index for `newsbot doctor`. With `repair`, removes what an interrupted
    ingest left behind (Chroma orphans, unreferenced rows), re-embeds chunks missing from
    Chroma and rebuilds a stale keyword index, naming each repair."""
    root = Path(settings.index_dir)
    rep: dict = {"path": str(root), "state": "missing", "articles": 0, "chunks": 0, "keyword": None,
                 "repaired": [], "problems": []}
    idx = Index(settings, embedder=embedder)
    if not idx.exists():
        if root.exists() and (root / "chroma").exists():
            rep["problems"].append(f"{root} has a vector store but no registry.sqlite; delete {root} and ingest again")
        else:
            rep["problems"].append(_no_index(root).message)
        return rep
    try:
        db = idx.db()
        a, c = idx.counts()
        rep.update(articles=a, chunks=c, generation=idx.generation())
        bad = db.execute("PRAGMA quick_check").fetchone()[0]
        if bad != "ok":
            rep["problems"].append(f"registry.sqlite is damaged ({bad}); delete {root} and ingest again")
            rep["state"] = "error"
            return rep
        rep["state"] = "ok" if a else "empty"
        locked = False
        if repair:
            try:
                with idx.write_lock(timeout=0):
                    _check(idx, rep, repair=True)
            except IndexError_ as exc:
                if exc.title not in ("Index is locked", "Index not writable"):
                    raise
                locked = exc.title
        if not repair or locked:
            if locked == "Index is locked":
                rep["note"] = "another process is writing to the index; checked without repairing"
            elif locked:
                rep["note"] = "the index is read-only; checked without repairing"
            _check(idx, rep, repair=False)
        rep["articles"], rep["chunks"] = idx.counts()
        rep["generation"] = idx.generation()
    except IndexError_ as exc:
        rep["state"] = "error"
        rep["problems"].append(exc.one_line())
    finally:
        idx.close()
    return rep


def _check(idx: Index, rep: dict, repair: bool) -> None:
    db = idx.db()
    # registry self-consistency
    loose_chunks = [r[0] for r in db.execute("SELECT id FROM chunks WHERE article_id NOT IN (SELECT id FROM articles)")]
    unref = [r[0] for r in db.execute("SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM files)")]
    dangling = db.execute("SELECT COUNT(*) FROM files WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
    miscount = [r[0] for r in db.execute(
        "SELECT a.id FROM articles a WHERE a.n_chunks <> (SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id)")]
    if loose_chunks or unref or dangling or miscount:
        what = f"{len(loose_chunks)} chunks without article, {len(unref)} articles without file, {dangling} file rows without article, {len(miscount)} articles with a wrong chunk count"
        if repair:
            gone: list[str] = []
            with idx._tx() as tx:
                tx.executemany("DELETE FROM chunks WHERE id=?", [(x,) for x in loose_chunks])
                tx.execute("DELETE FROM files WHERE article_id NOT IN (SELECT id FROM articles)")
                gone.extend(idx._gc_articles(tx, unref))
                for aid in miscount:  # drop and let the next ingest re-add it
                    gone.extend(r[0] for r in tx.execute("SELECT id FROM chunks WHERE article_id=?", (aid,)))
                    tx.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
                    tx.execute("DELETE FROM articles WHERE id=?", (aid,))
                    tx.execute("DELETE FROM files WHERE article_id=?", (aid,))
            idx._delete_chunks_from_store(gone + loose_chunks)
            rep["repaired"].append(f"registry: removed {what}")
        else:
            rep["problems"].append(f"registry inconsistent: {what}; run `newsbot doctor` (with repair)")
    # Chroma vs registry
    if not repair and idx.settings.chroma_url is None and _not_writable(idx.root) and (idx.root / "chroma").exists():
        # a read-only index: Chroma cannot even open it (it writes when it opens); count its file
        stored, chunks = idx.store_count(), idx.chunk_count()
        rep["store_chunks"] = stored
        if stored is not None and stored < chunks:
            rep["problems"].append(f"vector store holds {stored} of the registry's {chunks} chunks; make {idx.root} "
                                   "writable and run `newsbot doctor` (it re-embeds them)")
        _check_keyword(idx, rep, repair)
        return
    if idx.settings.chroma_url is None and not (idx.root / "chroma").exists():
        store_ids: set[str] = set()
    else:
        store_ids = set(idx.store().get_ids())
    reg_ids = {r[0] for r in db.execute("SELECT id FROM chunks")}
    orphans = store_ids - reg_ids
    missing = reg_ids - store_ids
    rep["store_chunks"] = len(store_ids)
    if orphans:
        if repair:
            idx.store().delete(sorted(orphans))
            rep["repaired"].append(f"vector store: deleted {len(orphans)} orphan chunks left by an interrupted ingest or removal")
        else:
            rep["orphans"] = len(orphans)  # harmless: searches ignore them
    if missing:
        if repair:
            n = idx.restore_store(store_ids)
            rep["repaired"].append(f"vector store: re-embedded {n} chunks missing from it")
        else:
            rep["problems"].append(f"vector store lacks {len(missing)} chunks of the registry; run `newsbot doctor` with repair")
    if repair and (orphans or missing):
        rep["store_chunks"] = idx.store().count()
    _check_keyword(idx, rep, repair)


def _check_keyword(idx: Index, rep: dict, repair: bool) -> None:
    kw_gen = _kw_generation(idx.keyword_dir)
    gen = idx.generation()
    if kw_gen == gen:
        rep["keyword"] = "ok"
    elif repair:
        idx._rebuild_keyword(save=True, strict=True)
        rep["keyword"] = "ok"
        rep["repaired"].append(f"keyword index: rebuilt ({'missing' if kw_gen is None else f'generation {kw_gen}'} -> {gen})")
    else:
        rep["keyword"] = "stale (rebuilt automatically on next use)"
