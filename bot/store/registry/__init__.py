"""The registry: `<index>/registry.sqlite`, the source of truth of an index. This package is the
only place with registry SQL: the reads and writes here, the tables and their numbered upgrades in
`schema.py`.

Tables:
  meta      key -> value: `generation` (bumped by every committed change, see `transaction`),
            `schema`, `embed_model`, `store_fingerprint` (server mode, bot.store.remote),
            `stories` (how the stories were made, bot.store.stories)
  articles  one row per distinct article text (id = the first 16 hex digits of the sha256 of its
            normalised text); `dup_of` links a near-duplicate to the first of its group; `minhash`
            holds its MinHash signature (bot.store.dedup)
  files     (key, path) -> article id: which files hold which articles; `file_hash` is NULL
            until every article of the file is committed (so an interrupted file is parsed again)
  chunks    "<article>:<position>" -> offsets and text; `articles.n_chunks` counts them
  (schema 3: `articles.story`, `story_vec`, `names`: its story and what grouping compares; stories.py)

Invariants the methods keep: an article with no file row is deleted with its chunks
(`gc_articles`); every change runs inside `transaction()`, which bumps the generation, so the
keyword index (rebuilt from the chunks) knows when it is stale.

Schema versions (schema.py): `meta.schema` records the version of the tables, `meta.embed_model`
the embedder whose vectors the index holds. `UPGRADES` lists the numbered steps from an empty file (version 0:
nothing recorded) to `SCHEMA_VERSION`; opening a registry applies the steps it lacks, in one
transaction (`migrate`). An index of a newer schema, or one built with another embedder, is
refused with an IndexError_ (exit 4) saying how to rebuild it.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from bot.config import check_index_dir
from bot.errors import IndexError_, NewsbotError, read_only_fs
from bot.store.errors import RegistryConnection, make_dir, no_index, not_writable, registry_error
from bot.store.registry.reads import ArticleReads
from bot.store.registry.stories import StoryRows
from bot.store.registry.schema import (REBUILD, marks, rollback_quietly, SCHEMA_V1, SCHEMA_VERSION, UPGRADES, Upgrade,  # noqa: F401 (re-exported)
                                       check_embedder, check_read_only, check_version, migrate, schema_version)

ARTICLE_COLUMNS = ("id", "hash", "title", "outlet", "date", "date_int", "url", "author", "source_file", "path", "text",
                   "n_chunks", "dup_of", "similarity", "minhash", "added_at")


def recorded_meta(path: Path, key: str) -> str | None:
    """A meta value read with a connection of its own (None when the file or the key is missing or
    unreadable): for checks made before the registry is opened."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(str(path), timeout=5.0)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        finally:
            conn.close()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def embedded_store_count(path: Path) -> int | None:
    """Rows in Chroma's own SQLite file (`<index>/chroma/chroma.sqlite3`), read without loading
    Chroma: 0 when the file is missing, None when it cannot be read (e.g. another Chroma version)."""
    if not path.is_file():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


class _Connection:
    """Opening the registry (created, writable, or read-only) and the one transaction helper."""

    def __init__(self, root: Path, settings, on_open: Callable[[], object] | None = None):
        self.root = Path(root)
        self.settings = settings
        self._on_open = on_open  # called before the first connection (the library's `open`)
        self._conn: sqlite3.Connection | None = None
        self.read_only = False
        self.upgraded: list[int] = []  # the schema steps the last open applied (see `migrate`)

    @property
    def path(self) -> Path:
        return self.root / "registry.sqlite"

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def connect(self, create: bool = False) -> sqlite3.Connection:
        """The connection, opened on first use (`create`: make the directory and the tables).
        Raises IndexError_ (exit 4) when there is no index or it cannot be read."""
        if self._conn is None:
            if create:
                check_index_dir(self.root)
            if self._on_open is not None:
                self._on_open()
            if not self.path.is_file():
                if not create:
                    raise no_index(self.root)
                make_dir(self.root)
            self._conn = self._open(create)
        elif create:
            self._conn.executescript(SCHEMA_V1)  # as before (up to date: `migrate` ran on open)
        return self._conn

    def _open(self, create: bool) -> sqlite3.Connection:
        conn = None
        try:
            self.read_only = not create and not_writable(self.root)
            if self.read_only:
                conn = self._open_read_only()
            else:
                conn = sqlite3.connect(str(self.path), timeout=max(5.0, self.settings.lock_timeout),
                                       isolation_level=None, check_same_thread=False, factory=RegistryConnection)
                conn.index_root = self.root
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys=OFF")
            if not create:
                conn.execute("SELECT 1 FROM articles LIMIT 1")
            if self.read_only:
                check_read_only(conn, self.root, self.settings.embed_model)
            else:
                self.upgraded = migrate(conn, self.root, self.settings.embed_model)
        except (sqlite3.Error, NewsbotError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, NewsbotError):
                raise
            err = registry_error(self.root, exc)
            if err is not None and err.title != "Index registry unreadable":
                raise err from None
            raise IndexError_("Index registry unreadable", f"{self.path}: {exc}; run `newsbot doctor`, "
                              f"or delete {self.root} and ingest again.") from None
        return conn

    def _open_read_only(self) -> sqlite3.Connection:
        """The registry of an index we cannot write (a read-only mount, a directory of another
        user's): SQLite's WAL mode wants to create registry.sqlite-shm even to read. Opened with
        mode=ro (enough when the -shm file is there); on a read-only mount, where nobody can be
        writing, as immutable when no -wal file holds commits it would then miss."""
        from urllib.parse import quote

        uri = "file:" + quote(str(self.path.absolute()))
        kw = dict(timeout=max(5.0, self.settings.lock_timeout), isolation_level=None, check_same_thread=False,
                  factory=RegistryConnection, uri=True)
        conn = sqlite3.connect(uri + "?mode=ro", **kw)
        conn.index_root = self.root
        try:
            conn.execute("SELECT 1 FROM meta LIMIT 1")
            return conn
        except NewsbotError:
            conn.close()
            wal = self.path.with_name(self.path.name + "-wal")
            if self.path.with_name(self.path.name + "-shm").exists():
                raise  # not the missing -shm file: damage, said as such
            if not read_only_fs(self.root) or (wal.exists() and wal.stat().st_size > 0):
                raise IndexError_("Index is read-only", f"cannot read {self.path} without writing beside it "
                                  f"(SQLite needs {self.path.name}-shm); make {self.root} writable, or copy "
                                  "it to a writable place and give that with --index.") from None
        conn = sqlite3.connect(uri + "?mode=ro&immutable=1", **kw)
        conn.index_root = self.root
        return conn

    def q(self, sql: str, args: Iterable = ()) -> sqlite3.Cursor:
        return self.connect().execute(sql, tuple(args) if not isinstance(args, (tuple, list)) else args)

    @contextmanager
    def transaction(self) -> Iterator["Registry"]:
        """One write: BEGIN IMMEDIATE, the caller's changes, generation += 1, COMMIT; rolled back
        on any error (the error that says what happened is the one raised)."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------ meta

    def generation(self) -> int:
        row = self.q("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def set_meta(self, key: str, value: str) -> None:
        self.q("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def quick_check(self) -> str:
        return self.q("PRAGMA quick_check").fetchone()[0]


class Registry(_Connection, ArticleReads, StoryRows):
    """Writes (call them inside `transaction()`) and the consistency checks of `doctor`."""

    def put_article(self, row: dict, spans: list[tuple[int, int]], file_key: str) -> None:
        """An article (a row of ARTICLE_COLUMNS), its chunks (`spans` of its text) and its file row
        (file_hash NULL until the whole file is in)."""
        aid, text = row["id"], row["text"]
        self.q(f"INSERT OR REPLACE INTO articles({','.join(row)}) VALUES ({marks(len(row))})", list(row.values()))
        self.q("DELETE FROM chunks WHERE article_id=?", (aid,))
        self.connect().executemany("INSERT INTO chunks(id, article_id, position, start, end, text) VALUES (?,?,?,?,?,?)",
                                   [(f"{aid}:{i}", aid, i, s, e, text[s:e]) for i, (s, e) in enumerate(spans)])
        self.put_file(file_key, row["path"], row["source_file"], None, aid)

    def put_file(self, key: str, path: str, name: str, file_hash: str | None, aid: str) -> None:
        self.q("INSERT OR REPLACE INTO files(key, path, name, file_hash, article_id) VALUES (?,?,?,?,?)",
               (key, path, name, file_hash, aid))

    def drop_file(self, path: str, aid: str) -> None:
        self.q("DELETE FROM files WHERE path=? AND article_id=?", (path, aid))

    def drop_file_keys(self, pairs: list[tuple[str, str]]) -> None:
        self.connect().executemany("DELETE FROM files WHERE key=? AND article_id=?", pairs)

    def drop_files_of(self, aids: list[str]) -> None:
        self.connect().executemany("DELETE FROM files WHERE article_id=?", [(i,) for i in aids])

    def drop_path(self, path: str) -> None:
        self.q("DELETE FROM files WHERE path=?", (path,))

    def gc_articles(self, aids: list[str]) -> tuple[list[str], list[str]]:
        """Delete the articles of `aids` no file refers to any more; returns (their chunk ids, to
        delete from the vector store after the commit; the deleted article ids). Fixes path/
        source_file and near-duplicate links of the survivors."""
        gone: list[str] = []
        deleted: list[str] = []
        for aid in dict.fromkeys(aids):
            refs = self.q("SELECT path, name FROM files WHERE article_id=? ORDER BY rowid", (aid,)).fetchall()
            if refs:
                cur = self.q("SELECT path FROM articles WHERE id=?", (aid,)).fetchone()
                if cur and cur[0] not in [r["path"] for r in refs]:
                    self.q("UPDATE articles SET path=?, source_file=? WHERE id=?", (refs[0]["path"], refs[0]["name"], aid))
                continue
            gone.extend(r[0] for r in self.q("SELECT id FROM chunks WHERE article_id=?", (aid,)))
            self.q("DELETE FROM chunks WHERE article_id=?", (aid,))
            self.q("DELETE FROM articles WHERE id=?", (aid,))
            copies = [r[0] for r in self.q("SELECT id FROM articles WHERE dup_of=? ORDER BY rowid", (aid,))]
            if copies:
                self.q("UPDATE articles SET dup_of=NULL WHERE id=?", (copies[0],))
                self.q("UPDATE articles SET dup_of=? WHERE dup_of=?", (copies[0], aid))
            deleted.append(aid)
        return gone, deleted

    def bulk_insert(self, columns: list[str], articles: list[list], chunks: list[tuple], files: list[tuple]) -> None:
        """Rows as they are (no checks): for tools that build an index from another (bench/run.py)."""
        conn = self.connect()
        conn.executemany(f"INSERT INTO articles({','.join(columns)}) VALUES ({marks(len(columns))})", articles)
        conn.executemany("INSERT INTO chunks(id, article_id, position, start, end, text) VALUES (?,?,?,?,?,?)", chunks)
        conn.executemany("INSERT INTO files(key, path, name, file_hash, article_id) VALUES (?,?,?,?,?)", files)

    # ------------------------------------------------------------------ a server's copy (bot.store.remote)

    def mirror_article(self, aid: str, chunks: list[tuple[str, str, dict]], text: str, where: str,
                       minhash: Callable[[str], bytes]) -> str:
        """Make article `aid` what the server holds: `chunks` (id, document, metadata) in position
        order, `text` rebuilt from them; no chunks: delete it. `where` names the server in the path
        of a new file row. Returns "added", "updated", "removed" or "" (removed, but not held)."""
        existed = self.has_article(aid)
        self.q("DELETE FROM chunks WHERE article_id=?", (aid,))
        if not chunks:
            self.q("DELETE FROM articles WHERE id=?", (aid,))
            self.q("DELETE FROM files WHERE article_id=?", (aid,))
            self.q("UPDATE articles SET dup_of=NULL WHERE dup_of=?", (aid,))
            return "removed" if existed else ""
        m0 = chunks[0][2]
        src = m0.get("source_file") or aid
        if existed:
            self.q("UPDATE articles SET n_chunks=?, text=? WHERE id=?", (len(chunks), text, aid))
        else:
            self.q(f"INSERT INTO articles({', '.join(ARTICLE_COLUMNS)}) VALUES ({marks(len(ARTICLE_COLUMNS))})",
                   (aid, aid, m0.get("title") or "", m0.get("outlet") or None, m0.get("date") or None,
                    int(m0.get("date_int") or 0), None, None, src, f"{where}#{src}", text,
                    len(chunks), None, None, minhash(text), time.time()))
        self.connect().executemany(
            "INSERT OR REPLACE INTO chunks(id, article_id, position, start, end, text) VALUES (?,?,?,?,?,?)",
            [(c, aid, int(m.get("position", 0)), int(m.get("start", 0)), int(m.get("end", 0)), d) for c, d, m in chunks])
        if not self.q("SELECT 1 FROM files WHERE article_id=?", (aid,)).fetchone():
            self.put_file("remote", f"{where}#{src}", src, None, aid)
        return "updated" if existed else "added"

    # ------------------------------------------------------------------ doctor

    def inconsistencies(self) -> tuple[list[str], list[str], int, list[str]]:
        """(chunks without article, articles without file, count of file rows without article,
        articles whose n_chunks is wrong)."""
        loose = [r[0] for r in self.q("SELECT id FROM chunks WHERE article_id NOT IN (SELECT id FROM articles)")]
        unref = [r[0] for r in self.q("SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM files)")]
        dangling = self.q("SELECT COUNT(*) FROM files WHERE article_id NOT IN (SELECT id FROM articles)").fetchone()[0]
        miscount = [r[0] for r in self.q(
            "SELECT a.id FROM articles a WHERE a.n_chunks <> (SELECT COUNT(*) FROM chunks c WHERE c.article_id = a.id)")]
        return loose, unref, dangling, miscount

    def repair(self, loose: list[str], unref: list[str], miscount: list[str]) -> list[str]:
        """Remove what `inconsistencies` found (inside a transaction); articles with a wrong chunk
        count are dropped for the next ingest to add again. Returns the chunk ids removed."""
        gone: list[str] = []
        self.connect().executemany("DELETE FROM chunks WHERE id=?", [(x,) for x in loose])
        self.q("DELETE FROM files WHERE article_id NOT IN (SELECT id FROM articles)")
        gone.extend(self.gc_articles(unref)[0])
        for aid in miscount:
            gone.extend(r[0] for r in self.q("SELECT id FROM chunks WHERE article_id=?", (aid,)))
            self.q("DELETE FROM chunks WHERE article_id=?", (aid,))
            self.q("DELETE FROM articles WHERE id=?", (aid,))
            self.q("DELETE FROM files WHERE article_id=?", (aid,))
        return gone
