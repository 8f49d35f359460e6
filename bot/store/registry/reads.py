"""The registry's reads of articles, chunks and files (see the package docstring for the tables)."""

from __future__ import annotations

import sqlite3
from typing import Iterator

from bot.store.registry.schema import marks


class ArticleReads:
    """Queries for listing, search and ingest planning: a mixin of the registry (it uses the
    registry's `q`)."""

    def counts(self) -> tuple[int, int]:
        return (self.q("SELECT COUNT(*) FROM articles").fetchone()[0], self.chunk_count())

    def outlets(self) -> list[str]:
        return [r[0] for r in self.q("SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL AND outlet != '' ORDER BY outlet")]

    def chunk_count(self) -> int:
        return self.q("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self.q("SELECT id FROM chunks")}

    def chunk_texts(self) -> list[sqlite3.Row]:
        """(id, text) of every chunk, in article and position order (what the keyword index holds)."""
        return self.q("SELECT id, text FROM chunks ORDER BY article_id, position").fetchall()

    def chunks_with_articles(self, ids: list[str] | None = None) -> list[sqlite3.Row]:
        """Chunks joined with their article's fields (all of them, in order, when `ids` is None)."""
        cols = ("SELECT c.id, c.article_id, c.position, c.start, c.end, c.text, a.title, a.outlet, a.date, a.date_int, "
                "a.source_file FROM chunks c JOIN articles a ON a.id = c.article_id")
        if ids is None:
            return self.q(cols + " ORDER BY c.article_id, c.position").fetchall()
        if not ids:
            return []
        return self.q(f"{cols} WHERE c.id IN ({marks(len(ids))})", ids).fetchall()

    def known_chunks(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        return {r[0] for r in self.q(f"SELECT id FROM chunks WHERE id IN ({marks(len(ids))})", ids)}

    def chunk_scope(self) -> Iterator[tuple[str, int, str]]:
        """(outlet, date_int, chunk id) of every chunk: what source and date filters look at."""
        for r in self.q("SELECT a.outlet, a.date_int, c.id FROM chunks c JOIN articles a ON a.id = c.article_id"):
            yield r[0], r[1], r[2]

    def dup_groups(self, aids: list[str]) -> dict[str, str]:
        """article id -> the article it is a near-duplicate of, for those of `aids` that are one."""
        return {r[0]: r[1] for r in self.q(
            f"SELECT id, dup_of FROM articles WHERE dup_of IS NOT NULL AND id IN ({marks(len(aids))})", aids)}

    def file_names(self, aids: list[str] | None = None) -> dict[str, list[str]]:
        """article id -> the names of the files holding it, in the order they were recorded."""
        if aids is None:
            rows = self.q("SELECT article_id, name FROM files ORDER BY rowid")
        elif not aids:
            return {}
        else:
            rows = self.q(f"SELECT article_id, name FROM files WHERE article_id IN ({marks(len(aids))}) ORDER BY rowid",
                          aids)
        names: dict[str, list[str]] = {}
        for aid, name in rows:
            if name not in names.setdefault(aid, []):
                names[aid].append(name)
        return names

    def article_list(self) -> list[sqlite3.Row]:
        return self.q("SELECT id, title, outlet, date, date_int, url, author, source_file, path, n_chunks, hash, dup_of "
                      "FROM articles ORDER BY date_int = 0, date_int, source_file, id").fetchall()

    def article_row(self, aid: str) -> sqlite3.Row | None:
        return self.q("SELECT * FROM articles WHERE id=?", (aid,)).fetchone()

    def all_articles(self) -> list[sqlite3.Row]:
        return self.q("SELECT * FROM articles ORDER BY rowid").fetchall()

    def all_chunks(self) -> list[sqlite3.Row]:
        return self.q("SELECT * FROM chunks ORDER BY article_id, position").fetchall()

    def has_article(self, aid: str) -> bool:
        return self.q("SELECT 1 FROM articles WHERE id=?", (aid,)).fetchone() is not None

    def article_with_file(self, aid: str) -> sqlite3.Row | None:
        """(id, name of one file holding it) of an article, or None."""
        return self.q("SELECT a.id, (SELECT name FROM files WHERE article_id=a.id LIMIT 1) AS name "
                      "FROM articles a WHERE a.id=?", (aid,)).fetchone()

    def source_file(self, aid: str) -> tuple[str | None] | None:
        """(source_file,) of an article, or None when there is no such article."""
        return self.q("SELECT source_file FROM articles WHERE id=?", (aid,)).fetchone()

    def article_order(self, aid: str) -> tuple[int, str | None] | None:
        """(rowid: the order it was added in, dup_of) of an article, or None."""
        row = self.q("SELECT rowid, dup_of FROM articles WHERE id=?", (aid,)).fetchone()
        return (row[0], row[1]) if row is not None else None

    def minhashes(self) -> Iterator[tuple[str, bytes]]:
        for row in self.q("SELECT id, minhash FROM articles WHERE minhash IS NOT NULL ORDER BY rowid"):
            yield row["id"], row["minhash"]

    def ids_like(self, target: str, prefix: bool = False) -> list[str]:
        if prefix:
            return [r[0] for r in self.q("SELECT id FROM articles WHERE id LIKE ?", (target + "%",))]
        return [r[0] for r in self.q("SELECT id FROM articles WHERE id=?", (target,))]

    def file_rows(self, path: str) -> list[sqlite3.Row]:
        """(key, file_hash, article_id) of the file at `path`."""
        return self.q("SELECT key, file_hash, article_id FROM files WHERE path=?", (path,)).fetchall()

    def paths(self, article_id: str | None = None, path: str | None = None, name: str | None = None,
              under: str | None = None) -> list[str]:
        """Distinct file paths: of an article, equal to `path`, with file name `name`, or under the
        folder prefix `under` (one of them)."""
        if article_id is not None:
            sql, args = "SELECT DISTINCT path FROM files WHERE article_id=?", (article_id,)
        elif path is not None:
            sql, args = "SELECT DISTINCT path FROM files WHERE path=?", (path,)
        elif name is not None:
            sql, args = "SELECT DISTINCT path FROM files WHERE name=?", (name,)
        else:
            sql, args = "SELECT DISTINCT path FROM files WHERE substr(path, 1, ?) = ?", (len(under), under)
        return [r[0] for r in self.q(sql, args)]

    def names_of(self, aid: str) -> list[str]:
        return list(dict.fromkeys(x[0] for x in self.q("SELECT name FROM files WHERE article_id=? ORDER BY rowid", (aid,))))

    def article_ids_at(self, path: str) -> list[str]:
        return [r[0] for r in self.q("SELECT article_id FROM files WHERE path=?", (path,))]
