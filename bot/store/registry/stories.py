"""The registry's story columns (schema 3, `articles.story`, `story_vec`, `names`): reads and
writes for bot.store.stories. A registry of schema 2 opened read-only lacks the columns: reads
then say so (`has_story_columns`) and the stories are computed in memory."""

from __future__ import annotations

import sqlite3

from bot.store.registry.schema import rollback_quietly


class StoryRows:
    """A mixin of the registry (it uses the registry's `q` and `connect`)."""

    def has_story_columns(self) -> bool:
        return "story" in {r[1] for r in self.q("PRAGMA table_info(articles)")}

    def story_rows(self) -> list[sqlite3.Row]:
        """What grouping needs of every article, in the order they were added: id, text, date_int,
        dup_of, n_chunks, story, story_vec, names (the last three NULL before schema 3)."""
        extra = "story, story_vec, names" if self.has_story_columns() else \
            "NULL AS story, NULL AS story_vec, NULL AS names"
        return self.q(f"SELECT id, text, date_int, dup_of, n_chunks, {extra} FROM articles ORDER BY rowid").fetchall()

    def unassigned_stories(self) -> int:
        """How many articles have no story yet (every one, before schema 3)."""
        if not self.has_story_columns():
            return self.q("SELECT COUNT(*) FROM articles").fetchone()[0]
        return self.q("SELECT COUNT(*) FROM articles WHERE story IS NULL").fetchone()[0]

    def story_of(self) -> dict[str, str]:
        """article id -> story id, for the articles that have one, in the order they were added."""
        if not self.has_story_columns():
            return {}
        return {r[0]: r[1] for r in self.q("SELECT id, story FROM articles WHERE story IS NOT NULL ORDER BY rowid")}

    def story_method(self) -> str | None:
        """How the stored stories were made (meta `stories`, bot.store.stories.STORY_METHOD)."""
        row = self.q("SELECT value FROM meta WHERE key='stories'").fetchone()
        return row[0] if row else None

    def set_stories(self, rows: list[tuple[str, str, bytes | None, str | None]], method: str) -> None:
        """(article id, story id, vector bytes or None to keep, names or None to keep) per article,
        and the method they were made by, in one transaction of its own. The generation is not
        bumped: stories change neither the chunks nor their vectors, so the keyword index stays valid."""
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "UPDATE articles SET story=?, story_vec=COALESCE(?, story_vec), names=COALESCE(?, names) WHERE id=?",
                [(story, vec, names, aid) for aid, story, vec, names in rows])
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('stories', ?)", (method,))
            conn.execute("COMMIT")
        except BaseException:
            rollback_quietly(conn)
            raise
