"""What the core asks of an index: `BaseIndex`, the interface `bot.store.library.Index` implements
and test doubles (tests/fakes.py `FakeIndex`) implement too, so callers never probe an index for
what it can do. Only `search` must be written; every other method has a default that says "this
index knows nothing more" (no articles, no texts, no stored vectors, nothing to check)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from bot.store.records import ArticleRecord, Passage


class BaseIndex(ABC):
    embedder = None  # the Embedder the index embeds with; None: none (callers skip what needs one)

    @abstractmethod
    def search(self, query: str, k: int = 8, source: str | None = None, since: str | None = None,
               until: str | None = None, mode: str = "hybrid") -> list[Passage]:
        """The k best passages for `query`, best first."""

    def open(self) -> "BaseIndex":
        """Make the index ready to read (bot.store.library: a server-mode sidecar is synced); returns it."""
        return self

    def exists(self) -> bool:
        return True

    def check(self) -> None:
        """Raise IndexError_ (exit 4) when the index cannot be read; default: nothing to check."""

    def counts(self) -> tuple[int, int]:
        """(articles, chunks)."""
        return 0, 0

    def articles(self, source: str | None = None, since: str | None = None,
                 until: str | None = None) -> list[ArticleRecord]:
        """The articles (without their text)."""
        return []

    def stories(self) -> dict[str, str]:
        """article id -> story id (bot.store.stories); default: no stories known."""
        return {}

    def outlets(self) -> list[str] | None:
        """The outlets the articles are filed under; None: not known."""
        return None

    def article(self, article_id: str) -> ArticleRecord:
        """One article with its `text`; default: nothing is known of it (text None)."""
        return ArticleRecord(id=article_id, title="")

    def passages(self, ids: list[str]) -> list[Passage]:
        """The passages of chunk ids, in the order given (unknown ids skipped)."""
        return []

    def embeddings(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of chunk ids (those the store holds); default: none stored."""
        return {}
