"""Every answer and briefing is saved in SQLite with its full JSON (`newsbot history`).

Each row records its kind: "ask" rows hold an `Answer`, "brief" rows a `Brief`; `get` gives the
typed record back (`get_json` the JSON as saved)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from bot.core.types import Answer, Brief

RECORDS: dict[str, type] = {"ask": Answer, "brief": Brief}  # kind -> the record its rows hold

MIGRATIONS = [
    """CREATE TABLE IF NOT EXISTS entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        kind TEXT NOT NULL,
        question TEXT NOT NULL,
        refused INTEGER NOT NULL,
        answer TEXT NOT NULL,
        json TEXT NOT NULL)""",
    # follow-ups: the id of the conversation's first entry (NULL: a question asked alone)
    "ALTER TABLE entries ADD COLUMN conversation INTEGER",
]


class History:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=10)
        version = con.execute("PRAGMA user_version").fetchone()[0]
        for i, sql in enumerate(MIGRATIONS[version:], start=version):
            con.execute(sql)
            con.execute(f"PRAGMA user_version = {i + 1}")
        con.commit()
        return con

    def add(self, record: Answer | Brief | dict, kind: str | None = None) -> int:
        """Save an Answer or a Brief (its kind: "ask" or "brief" unless given). A dict is saved
        as it is, as kind "ask" unless given."""
        if kind is None:
            kind = "brief" if isinstance(record, Brief) else "ask"
        data = dict(record) if isinstance(record, dict) else record.to_json()
        question = data.get("question") or data.get("topic") or ""
        text = data.get("answer") or data.get("paragraph") or ""
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO entries (created, kind, question, refused, answer, json, conversation) VALUES (?,?,?,?,?,?,?)",
                (time.time(), kind, question, int(bool(data.get("refused"))), text, json.dumps(data, ensure_ascii=False),
                 data.get("conversation")),
            )
            return int(cur.lastrowid)

    def latest_ask(self) -> int | None:
        """The id of the newest answer (the question a follow-up continues), None when none."""
        if not self.path.exists():
            return None
        with self._connect() as con:
            row = con.execute("SELECT id FROM entries WHERE kind = 'ask' ORDER BY id DESC LIMIT 1").fetchone()
        return int(row[0]) if row else None

    def thread(self, entry_id: int) -> tuple[int, list[Answer]]:
        """The conversation an answer belongs to: (its first entry's id, its answers, oldest first)."""
        with self._connect() as con:
            row = con.execute("SELECT kind, conversation FROM entries WHERE id = ?", (entry_id,)).fetchone()
            if row is None or row[0] != "ask":
                from bot.errors import UsageError

                raise UsageError("No such conversation", f"entry {entry_id} is not a saved answer; see `newsbot history`.")
            first = row[1] or entry_id
            rows = con.execute("SELECT json FROM entries WHERE kind = 'ask' AND (id = ? OR conversation = ?) ORDER BY id",
                               (first, first)).fetchall()
        return first, [Answer.from_json(json.loads(r[0])) for r in rows]

    def list(self, limit: int = 50, kind: str | None = None) -> list[dict]:
        if not self.path.exists():
            return []
        sql = "SELECT id, created, kind, question, refused, answer, conversation FROM entries"
        args: tuple = ()
        if kind:
            sql += " WHERE kind = ?"
            args = (kind,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._connect() as con:
            rows = con.execute(sql, args + (limit,)).fetchall()
        return [{"id": r[0], "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r[1])), "kind": r[2],
                 "question": r[3], "refused": bool(r[4]), "answer": r[5], "conversation": r[6]} for r in rows]

    def _row(self, entry_id: int) -> tuple[str, dict]:
        with self._connect() as con:
            row = con.execute("SELECT kind, json FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            from bot.errors import UsageError

            raise UsageError("No such history entry", f"{entry_id}; see `newsbot history`.")
        return row[0], json.loads(row[1])

    def get_json(self, entry_id: int) -> dict:
        return self._row(entry_id)[1]

    def kind(self, entry_id: int) -> str:
        return self._row(entry_id)[0]

    def get(self, entry_id: int) -> Answer | Brief:
        """The saved record, typed by its row's kind: an Answer ("ask") or a Brief ("brief")."""
        kind, data = self._row(entry_id)
        return RECORDS.get(kind, Answer).from_json(data)
