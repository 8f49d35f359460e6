"""The records of the store: an `Article` as parsed from a file (before indexing), an
`ArticleRecord` (an indexed article, as `Index.articles()`/`article()` list it) and a `Passage`
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
class ArticleRecord:
    """An indexed article as the index lists it (`Index.articles()`; `Index.article()` adds its
    `text`). `to_json()` is what `newsbot articles --json` prints: the keys are the field names,
    `text` only when it was read."""

    id: str
    title: str
    outlet: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    url: str | None = None
    author: str | None = None
    file: str = ""  # the name of the file it was first read from
    files: list[str] = field(default_factory=list)  # every file name holding it
    path: str = ""
    chunks: int = 0
    hash: str = ""
    dup_of: str | None = None  # the article it is a near-duplicate of
    story: str | None = None  # the story it belongs to (bot.store.stories)
    text: str | None = None  # None when listed (`articles()`), the text when read (`article()`)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        if self.text is None:
            del d["text"]
        return d

    # read access by key, as when articles were dicts (for scripts and tests written against them)
    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


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
