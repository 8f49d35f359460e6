"""What an ingest is given and what it gives back: the files under the paths named (folders
walked for supported extensions) and the `IngestReport` that `newsbot ingest --json` prints."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.store.parsing import SUPPORTED_EXTS


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
    stories: int = 0  # total after the run (bot.store.stories)
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
