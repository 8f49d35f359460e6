"""Schema versions of registry.sqlite: an index written by older code opens after an automatic
migration; one of a newer schema or built with another embedder is refused (exit 4) with one line
that says how to rebuild it. The registries are real SQLite files written here in their old shape."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.config import Settings
from bot.errors import ExitCode, IndexError_
from bot.store.library import Index
from bot.store.registry import SCHEMA_VERSION, UPGRADES, schema_version

# registry.sqlite as the code before numbered migrations wrote it (schema 1, unchanged since the first index)
V1_SQL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE articles (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL, title TEXT, outlet TEXT, date TEXT, date_int INTEGER DEFAULT 0,
  url TEXT, author TEXT, source_file TEXT, path TEXT, text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
  dup_of TEXT, similarity REAL, minhash BLOB, added_at REAL);
CREATE TABLE files (
  key TEXT NOT NULL, path TEXT NOT NULL, name TEXT NOT NULL, file_hash TEXT, article_id TEXT NOT NULL,
  PRIMARY KEY (key, article_id));
CREATE INDEX files_path ON files(path);
CREATE INDEX files_article ON files(article_id);
CREATE TABLE chunks (
  id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER NOT NULL, start INTEGER NOT NULL,
  end INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX chunks_article ON chunks(article_id);
"""
TEXT = "The council approved the budget on Monday."


def write_old(root: Path, meta: dict[str, str] | None, with_meta_table: bool = True) -> Path:
    """An old-shape registry with one article, its chunk and file row; `meta` the keys it records."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "registry.sqlite"
    conn = sqlite3.connect(path)
    sql = V1_SQL if with_meta_table else V1_SQL.replace("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);", "")
    conn.executescript(sql)
    for k, v in (meta or {}).items():
        conn.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (k, v))
    conn.execute("INSERT INTO articles(id, hash, title, outlet, date, date_int, source_file, path, text, n_chunks) "
                  "VALUES ('a1', 'h1', 'Budget', 'Herald', '2024-03-04', 20240304, 'b.txt', '/c/b.txt', ?, 1)", (TEXT,))
    conn.execute("INSERT INTO chunks VALUES ('a1:0', 'a1', 0, 0, ?, ?)", (len(TEXT), TEXT))
    conn.execute("INSERT INTO files VALUES ('k1', '/c/b.txt', 'b.txt', 'fh', 'a1')")
    conn.commit()
    conn.close()
    return path


def meta_of(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    finally:
        conn.close()


def has_dup_index(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type='index' AND name='articles_dup'").fetchone() is not None
    finally:
        conn.close()


def test_upgrades_are_numbered_in_order():
    assert [u.version for u in UPGRADES] == list(range(1, len(UPGRADES) + 1))
    assert SCHEMA_VERSION == UPGRADES[-1].version >= 2


def test_index_of_the_previous_code_opens_after_a_migration(tmp_path):
    root = tmp_path / "index"
    path = write_old(root, {"generation": "7", "schema": "1", "embed_model": "all-minilm-l6-v2"})
    idx = Index(Settings(index_dir=root))
    assert idx.counts() == (1, 1)
    assert idx.registry.upgraded == [2, 3]
    assert idx.generation() == 7  # a migration changes no content: the keyword index stays valid
    assert idx.registry.article_row("a1")["text"] == TEXT
    assert idx.registry.file_names() == {"a1": ["b.txt"]}
    idx.close()
    assert meta_of(path)["schema"] == str(SCHEMA_VERSION)
    assert has_dup_index(path)
    idx = Index(Settings(index_dir=root))  # opened again: nothing to do
    assert idx.counts() == (1, 1) and idx.registry.upgraded == []
    idx.close()


@pytest.mark.parametrize("with_meta_table", [True, False])
def test_index_with_no_version_recorded_is_migrated(tmp_path, with_meta_table):
    root = tmp_path / "index"
    path = write_old(root, {}, with_meta_table=with_meta_table)
    idx = Index(Settings(index_dir=root))
    assert idx.counts() == (1, 1)
    assert idx.registry.upgraded == [1, 2, 3]
    assert idx.generation() == 0
    idx.close()
    meta = meta_of(path)
    assert meta["schema"] == str(SCHEMA_VERSION)
    assert meta["embed_model"] == "all-minilm-l6-v2"  # recorded: the next embedder change is caught


def test_new_index_records_its_version_and_embedder(tmp_path):
    root = tmp_path / "index"
    idx = Index(Settings(index_dir=root, embed_model="bge-small-en-v1.5"))
    idx.db(create=True)
    assert idx.registry.upgraded == [u.version for u in UPGRADES]
    idx.close()
    meta = meta_of(root / "registry.sqlite")
    assert meta["schema"] == str(SCHEMA_VERSION) and meta["embed_model"] == "bge-small-en-v1.5"
    assert meta["generation"] == "0"


def test_two_opens_of_an_old_index_migrate_it_once(tmp_path):
    root = tmp_path / "index"
    path = write_old(root, {"generation": "3", "schema": "1", "embed_model": "all-minilm-l6-v2"})
    a, b = Index(Settings(index_dir=root)), Index(Settings(index_dir=root))
    assert a.counts() == (1, 1) and b.counts() == (1, 1)
    assert a.registry.upgraded == [2, 3] and b.registry.upgraded == []
    a.close(), b.close()
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    conn.close()


def _refused(root: Path, capsys=None) -> IndexError_:
    idx = Index(Settings(index_dir=root))
    with pytest.raises(IndexError_) as info:
        idx.counts()
    idx.close()
    err = info.value
    assert err.code == ExitCode.INDEX
    line = err.one_line()
    assert "\n" not in line and f"delete {root}" in line and "newsbot ingest" in line
    return err


def test_another_embedder_is_refused_with_how_to_rebuild(tmp_path):
    root = tmp_path / "index"
    path = write_old(root, {"generation": "1", "schema": "1", "embed_model": "bge-small-en-v1.5"})
    err = _refused(root)
    assert err.title == "Index built with another embedder"
    assert "bge-small-en-v1.5" in err.message and "all-minilm-l6-v2" in err.message
    assert meta_of(path)["embed_model"] == "bge-small-en-v1.5"  # the refused index is left as it was


def test_newer_schema_is_refused_with_how_to_rebuild(tmp_path):
    root = tmp_path / "index"
    path = write_old(root, {"generation": "1", "schema": str(SCHEMA_VERSION + 1), "embed_model": "all-minilm-l6-v2"})
    err = _refused(root)
    assert err.title == "Index from a newer newsbot" and str(SCHEMA_VERSION + 1) in err.message
    assert meta_of(path)["schema"] == str(SCHEMA_VERSION + 1)


def test_unreadable_schema_value_is_refused(tmp_path):
    root = tmp_path / "index"
    write_old(root, {"generation": "1", "schema": "two", "embed_model": "all-minilm-l6-v2"})
    assert _refused(root).title == "Index schema unknown"


@pytest.mark.parametrize("meta,title", [
    ({"generation": "1", "schema": "1", "embed_model": "bge-small-en-v1.5"}, "Index built with another embedder"),
    ({"generation": "1", "schema": "99", "embed_model": "all-minilm-l6-v2"}, "Index from a newer newsbot"),
])
def test_cli_says_it_in_one_line_with_exit_4(tmp_path, meta, title):
    root = tmp_path / "index"
    write_old(root, meta)
    res = CliRunner().invoke(app, ["articles", "--index", str(root)])
    assert res.exit_code == 4, res.output
    out = res.output.strip()
    assert title in out and f"delete {root}" in out and "newsbot ingest" in out
    assert "Traceback" not in out


def test_read_only_index_of_the_previous_code_opens_without_migrating(tmp_path, monkeypatch):
    root = tmp_path / "index"
    path = write_old(root, {"generation": "2", "schema": "1", "embed_model": "all-minilm-l6-v2"})
    monkeypatch.setattr("bot.store.registry.not_writable", lambda _root: True)  # (root reads through permissions)
    idx = Index(Settings(index_dir=root))
    assert idx.counts() == (1, 1)
    assert idx.registry.read_only and idx.registry.upgraded == []
    idx.close()
    assert meta_of(path)["schema"] == "1" and not has_dup_index(path)


def test_read_only_index_with_no_version_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "index"
    write_old(root, {"generation": "2"})
    monkeypatch.setattr("bot.store.registry.not_writable", lambda _root: True)
    err = _refused(root)
    assert err.title == "Index needs an upgrade" and "writable" in err.message


def test_stories_of_an_old_index_are_added_by_the_upgrade_and_filled_on_first_read(tmp_path):
    """Schema 3 adds the story columns; the first read that needs stories fills them (no vector
    store here: the article's opening is embedded)."""
    from tests.fakes import HashEmbedder
    from bot.store.stories import assign_stories

    root = tmp_path / "index"
    path = write_old(root, {"generation": "4", "schema": "2", "embed_model": "all-minilm-l6-v2"})
    idx = Index(Settings(index_dir=root), embedder=HashEmbedder())
    assert idx.registry.unassigned_stories() == 1 and idx.registry.upgraded == [3]
    assert assign_stories(idx) == {"a1": "sa1"}  # (no vector store here: idx.stories() would say so)
    assert idx.generation() == 4  # the keyword index stays valid
    idx.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT story, names FROM articles").fetchone() == ("sa1", "")  # no names in "The council approved..."
    conn.close()


def test_read_only_old_index_gets_its_stories_in_memory(tmp_path, monkeypatch):
    from tests.fakes import HashEmbedder
    from bot.store.stories import assign_stories

    root = tmp_path / "index"
    path = write_old(root, {"generation": "2", "schema": "2", "embed_model": "all-minilm-l6-v2"})
    monkeypatch.setattr("bot.store.registry.not_writable", lambda _root: True)
    idx = Index(Settings(index_dir=root), embedder=HashEmbedder())
    assert not idx.registry.has_story_columns()
    assert assign_stories(idx) == {"a1": "sa1"}
    idx.close()
    assert meta_of(path)["schema"] == "2"
