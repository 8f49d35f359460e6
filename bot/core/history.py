"""Every answer and briefing is saved in SQLite with its full JSON (`newsbot history`)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from bot.core.types import Answer

MIGRATIONS = [
    """CREATE TABLE IF NOT EXISTS entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created REAL NOT NULL,
        kind TEXT NOT NULL,
        question TEXT NOT NULL,
        refused INTEGER NOT NULL,
        answer TEXT NOT NULL,
        json TEXT NOT NULL)""",
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

    def add(self, answer: Answer | dict, kind: str = "ask") -> int:
        data = dict(answer) if isinstance(answer, dict) else answer.to_json()
        question = data.get("question") or data.get("topic") or ""
        text = data.get("answer") or data.get("paragraph") or ""
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO entries (created, kind, question, refused, answer, json) VALUES (?,?,?,?,?,?)",
                (time.time(), kind, question, int(bool(data.get("refused"))), text, json.dumps(data, ensure_ascii=False)),
            )
            return int(cur.lastrowid)

    def list(self, limit: int = 50, kind: str | None = None) -> list[dict]:
        if not self.path.exists():
            return []
        sql = "SELECT id, created, kind, question, refused, answer FROM entries"
        args: tuple = ()
        if kind:
            sql += " WHERE kind = ?"
            args = (kind,)
        sql += " ORDER BY id DESC LIMIT ?"
        with self._connect() as con:
            rows = con.execute(sql, args + (limit,)).fetchall()
        return [{"id": r[0], "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r[1])), "kind": r[2],
                 "question": r[3], "refused": bool(r[4]), "answer": r[5]} for r in rows]

    def get_json(self, entry_id: int) -> dict:
        with self._connect() as con:
            row = con.execute("SELECT json FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            from bot.errors import UsageError

            raise UsageError("No such history entry", f"{entry_id}; see `newsbot history`.")
        return json.loads(row[0])

    def get(self, entry_id: int) -> Answer:
        return Answer.from_json(self.get_json(entry_id))
