"""The records of the store: an `Article` as parsed from a file (before indexing) and a `Passage`
(a retrieved chunk with its article's fields), as ingest and search hand them to the core."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Article:
    """A parsed article, before indexing."""

    text: str
    title: str
    outlet: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    url: str | None = None
    author: str | None = None
    source_file: str = ""  # basename of the file
    path: str = ""  # absolute path of the file
    key: str = ""  # path, or path#N for the N-th article of a multi-article file


@dataclass
class Passage:
    """A retrieved chunk with its article's metadata."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    position: int
    title: str
    outlet: str | None
    date: str | None
    source_file: str
    score: float = 0.0
    dense_rank: int | None = None
    keyword_rank: int | None = None
    duplicates: list[str] = field(default_factory=list)  # article ids of near-duplicate copies collapsed into this one
    files: list[str] = field(default_factory=list)  # every file name that holds this article (exact duplicates)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
