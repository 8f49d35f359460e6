"""The records of a briefing (`Brief`, what `brief` returns, defined in bot.core.types beside
`Answer`; `Doc`, an article being briefed; `Key`, a key sentence as a passage) and the knobs and small helpers the other modules share."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from bot.core import citations as cit
from bot.core.types import ArticleRecord, Brief, Passage  # noqa: F401 (Brief re-exported: it lives with Answer)

# the defaults of the settings that tune a briefing (bot.config: brief_passage_budget,
# brief_max_tokens, brief_dense_relevant, brief_cluster_threshold)
PASSAGE_BUDGET = 560  # prompt tokens spent on key passages
MAX_TOKENS = 220  # generated tokens for the paragraph
DENSE_RELEVANT = 0.35  # cosine of topic and passage for a dense-only hit to count as relevant
CLUSTER_THRESHOLD = 0.55  # cosine of article vectors: same event
# the shape of the paragraph and of key sentences (fixed: the prompt and the checks assume them)
MIN_SENTENCES, MAX_SENTENCES, MAX_WORDS = 4, 7, 150
MAX_DIFFS = 2  # differences written into the paragraph (all are in `differences`)
MIN_WORDS_KEY, MAX_WORDS_KEY = 6, 45  # key sentences outside this range are skipped
_JUNK = re.compile(r"https?://|pic\.twitter|t\.co/|@\w+\)|\(RELATED|^\W*$|developing story", re.I)


# ----------------------------------------------------------------------------- data


@dataclass
class Doc:
    """A selected article with what the briefing needs of it."""

    row: ArticleRecord  # from Index.articles()
    text: str
    rank: int  # relevance order (0 = most relevant / newest)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    tokens: list[set[str]] = field(default_factory=list)  # content tokens per sentence
    chunks: list[tuple[str, int, int]] = field(default_factory=list)  # (chunk id, start, end)
    duplicates: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def source(self) -> str:
        """Who reports it: the outlet, else the file name."""
        return self.row.outlet or self.row.file or self.id

    def all_tokens(self) -> set[str]:
        out: set[str] = set()
        for t in self.tokens:
            out |= t
        return out


@dataclass
class Key:
    """A key sentence: a span of an article, as a passage."""

    doc: Doc
    index: int  # sentence number in the article
    score: float
    passage: Passage


def _join(items: list[str]) -> str:
    items = [i.strip() for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def short_title(title: str | None, words: int = 7) -> str:
    ws = (title or "").replace("…", "").split()
    if not ws:
        return ""
    return " ".join(ws[:words]) + ("…" if len(ws) > words else "")


def word_count(text: str) -> int:
    return len(cit.parse_markers(text)[0].split())


def _article_ref(row: dict) -> dict:
    return {"id": row.id, "title": row.title, "outlet": row.outlet, "date": row.date, "file": row.file,
            "story": getattr(row, "story", None)}  # the story id (bot.store.stories), when assigned


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 1)
