"""The tables of registry.sqlite and their numbered upgrades (like haiku.rag's store/upgrades).

`UPGRADES` lists the steps from an empty file (version 0: nothing recorded) to `SCHEMA_VERSION`.
`migrate` applies those a registry lacks when it is opened for writing, in one transaction, and
records `schema` and (when none is recorded) `embed_model` in the meta table; `check_read_only`
checks a registry that cannot be written. A newer schema, a schema that is not a number, or an
index built with another embedder: IndexError_ (exit 4) saying how to rebuild.

To change the tables: add a step (next version number, a function of the connection; no
executescript, which would commit the migration's transaction), keep the old steps as they are,
and add a case to tests/test_registry_schema.py that opens a registry of the previous shape.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bot.errors import IndexError_, NewsbotError


def marks(n: int) -> str:
    """`?, ?, …` for an IN list or VALUES of n parameters."""
    return ",".join("?" * n)


SCHEMA_V1 = """
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


def rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back what is still open. SQLite may have rolled back by itself (SQLITE_FULL,
    SQLITE_IOERR): then ROLLBACK would fail with "no transaction is active" and hide the error
    that says what happened, so the caller re-raises that one."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except (sqlite3.Error, NewsbotError):
            pass


def _v1_tables(conn: sqlite3.Connection) -> None:
    """The tables every index had until schema 2 (registries written before versions were read
    hold exactly these, with `schema` = 1)."""
    for statement in SCHEMA_V1.split(";"):  # not executescript: it would commit the migration's transaction
        if statement.strip():
            conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0')")


def _v2_dup_index(conn: sqlite3.Connection) -> None:
    """An index on articles.dup_of: removing an article looks up its near-duplicates by it."""
    conn.execute("CREATE INDEX IF NOT EXISTS articles_dup ON articles(dup_of)")


def _v3_stories(conn: sqlite3.Connection) -> None:
    """Stories (bot.store.stories): each article's story id, and what the grouping compares (the
    article's vector, the names it mentions), so a later ingest need not read the vector store.
    Filled by the next ingest or the first read that needs stories."""
    for column in ("story TEXT", "story_vec BLOB", "names TEXT"):
        if column.split()[0] not in {r[1] for r in conn.execute("PRAGMA table_info(articles)")}:
            conn.execute(f"ALTER TABLE articles ADD COLUMN {column}")
    conn.execute("CREATE INDEX IF NOT EXISTS articles_story ON articles(story)")


@dataclass(frozen=True)
class Upgrade:
    """One numbered schema step. `readable_before`: code of this version still reads a registry
    that lacks the step (so a read-only index of the previous version opens without it)."""

    version: int
    what: str
    apply: Callable[[sqlite3.Connection], None]
    readable_before: bool = False


UPGRADES: list[Upgrade] = [
    Upgrade(1, "tables meta, articles, files, chunks", _v1_tables),
    Upgrade(2, "index articles_dup on articles(dup_of)", _v2_dup_index, readable_before=True),
    # readable before: without the columns, stories are computed in memory (bot.store.stories)
    Upgrade(3, "columns articles.story, story_vec, names; index articles_story", _v3_stories, readable_before=True),
]
SCHEMA_VERSION = UPGRADES[-1].version

REBUILD = "delete {root} and run `newsbot ingest FOLDER --index {root}` again to rebuild it"


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The schema version a registry records: 0 when it records none (no meta table, or no
    `schema` key), None when the value is not a number."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone() is None:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    if row is None or row[0] is None:
        return 0
    try:
        return int(str(row[0]).strip())
    except ValueError:
        return None


def check_version(root: Path, version: int | None) -> None:
    """IndexError_ (exit 4) for a schema this code cannot read or upgrade."""
    if version is None:
        raise IndexError_("Index schema unknown", f"{root / 'registry.sqlite'} records a schema version that is "
                          f"not a number; {REBUILD.format(root=root)}.")
    if version > SCHEMA_VERSION:
        raise IndexError_("Index from a newer newsbot", f"{root} has registry schema {version}, this newsbot reads "
                          f"up to {SCHEMA_VERSION}; upgrade newsbot, or {REBUILD.format(root=root)}.")


def check_embedder(root: Path, recorded: str | None, wanted: str) -> None:
    """IndexError_ (exit 4) when the index holds the vectors of another embedder than `wanted`
    (its queries would be compared with vectors of another space)."""
    if recorded is not None and recorded != wanted:
        raise IndexError_("Index built with another embedder", f"{root} holds vectors of embed_model {recorded}, "
                          f"not {wanted}; set embed_model = \"{recorded}\" (NEWSBOT_EMBED_MODEL), or "
                          f"{REBUILD.format(root=root)}.")


def migrate(conn: sqlite3.Connection, root: Path, embed_model: str) -> list[int]:
    """Apply the upgrade steps the registry lacks, in one write transaction, record
    `schema` = SCHEMA_VERSION and (when none is recorded) `embed_model`; then check the embedder.
    Returns the versions applied (none when the registry was up to date). The version is read
    again under the write lock, so two processes opening an old index migrate it once."""
    version = schema_version(conn)
    check_version(root, version)
    if version < SCHEMA_VERSION or _recorded_embedder(conn) is None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(conn)
            check_version(root, version)
            applied = []
            for step in UPGRADES:
                if step.version > version:
                    step.apply(conn)
                    applied.append(step.version)
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('embed_model', ?)", (embed_model,))
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise
    else:
        applied = []
    check_embedder(root, _recorded_embedder(conn), embed_model)
    return applied


def check_read_only(conn: sqlite3.Connection, root: Path, embed_model: str) -> None:
    """What `migrate` checks, for a registry we cannot write: a version it could not upgrade is
    refused unless every missing step leaves it readable."""
    version = schema_version(conn)
    check_version(root, version)
    if any(step.version > version and not step.readable_before for step in UPGRADES):
        raise IndexError_("Index needs an upgrade", f"{root} has registry schema {version}, this newsbot needs "
                          f"{SCHEMA_VERSION} and cannot upgrade it read-only; make {root} writable and run the "
                          f"command again, or {REBUILD.format(root=root)}.")
    check_embedder(root, _recorded_embedder(conn), embed_model)


def _recorded_embedder(conn: sqlite3.Connection) -> str | None:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone() is None:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key='embed_model'").fetchone()
    return row[0] if row else None
