"""Test doubles, in one place (none ship inside bot/): a scripted chat model, a hashing embedder
and an index. They implement the same interfaces as the real ones (`ChatModel`, `Embedder`,
`BaseIndex`), so the code under test never has to tell a fake from a real one."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from typing import Callable, Iterator

import numpy as np

from bot.backends.embedder import Embedder
from bot.backends.llm import ChatModel, GenStats
from bot.core import citations as cit
from bot.core.output_format import NULL_ANSWER
from bot.store.base import BaseIndex
from bot.store.records import ArticleRecord, Passage

Reply = str | Callable[[list[dict]], str]


class ScriptedModel(ChatModel):
    """A fake chat model for tests: replies are given in order (a string, or a function of the
    messages); the last one repeats. Every call is kept in `history`."""

    def __init__(self, replies: list[Reply] | None = None, name: str = "scripted", delay: float = 0.0,
                 judge: float | Callable[[list[dict]], float | None] | None = None, null: float = 0.2,
                 doubt: float | None = None):
        super().__init__()
        self.judge = judge
        self.doubt = doubt  # what decline_probability says (None: not known, as for a server)
        self.null = null  # P(yes) for the judge's null answer, "The sentences do not say."
        self.judged: list[list[dict]] = []
        self.replies: list[Reply] = list(replies or ["The articles do not say."])
        self.history: list[list[dict]] = []
        self.grammars: list[str | None] = []  # the grammar of each call, beside `history`
        self.name = name
        self.delay = delay

    def yes_probability(self, messages: list[dict]) -> float | None:
        """The scripted judge: `judge` is a probability, a function of the messages, or None (no judge);
        the null answer gets `null`."""
        self.judged.append(messages)
        if self.judge is not None and f"Proposed answer: {NULL_ANSWER}" in messages[-1]["content"]:
            return self.null
        return self.judge(messages) if callable(self.judge) else self.judge

    def decline_probability(self, messages: list[dict], opening: str) -> float | None:
        return self.doubt

    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def stream(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        self.cancel_event.clear()
        self.history.append(messages)
        self.grammars.append(grammar)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        text = reply(messages) if callable(reply) else reply
        prompt = sum(len(m["content"]) for m in messages) // 4
        stats = GenStats(prompt_tokens=prompt)
        t0 = time.perf_counter()
        for word in text.split(" "):
            if self.cancel_event.is_set():
                break
            if self.delay:
                time.sleep(self.delay)
            if stats.first_token_ms is None:
                stats.first_token_ms = (time.perf_counter() - t0) * 1000
            stats.completion_tokens += 1
            yield word if stats.completion_tokens == 1 else " " + word
        stats.total_ms = (time.perf_counter() - t0) * 1000
        self.last = stats


class HashEmbedder(Embedder):
    """Deterministic bag-of-words hashing embedder for fast unit tests (no model needed)."""

    name = "hash"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                word = "".join(ch for ch in word if ch.isalnum())
                if word:
                    h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                    out[row, h % self.dim] += 1.0
            n = np.linalg.norm(out[row])
            out[row] = out[row] / n if n else out[row]
            if not n:
                out[row, 0] = 1.0
        return out


class FakeIndex(BaseIndex):
    """An index in memory, in one of two ways:

    - `FakeIndex(passages)`: every search returns these passages, whatever the query and k (no
      articles, texts or embedder: what answering needs);
    - `FakeIndex(docs=[(title, text, outlet, date), ...])`: articles a000, a001, ... (one chunk
      each, file f000.txt, ...); a search ranks them by the content words they share with the
      query, as keyword hits; `embedder` is a HashEmbedder (what briefing needs).

    Every search is kept in `calls` as (query, {k, source, since, until}); `searches` lists the
    queries."""

    def __init__(self, passages: list[Passage] | None = None, docs: list[tuple] | None = None, embedder=None):
        self.passages = list(passages or [])
        self.embedder = embedder if embedder is not None or docs is None else HashEmbedder()
        self.rows: list[ArticleRecord] = []
        self.texts: dict[str, str] = {}
        for i, (title, text, outlet, date) in enumerate(docs or []):
            aid = f"a{i:03d}"
            self.rows.append(ArticleRecord(id=aid, title=title, outlet=outlet, date=date, file=f"f{i:03d}.txt",
                                           files=[f"f{i:03d}.txt"], chunks=1))
            self.texts[aid] = text
        self.calls: list[tuple[str, dict]] = []

    @property
    def searches(self) -> list[str]:
        return [q for q, _kw in self.calls]

    def counts(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows)

    def articles(self, source=None, since=None, until=None) -> list[ArticleRecord]:
        return [r for r in self.rows if not source or (r.outlet or "").lower() == source.lower()]

    def article(self, article_id: str) -> ArticleRecord:
        if article_id not in self.texts:
            return super().article(article_id)
        return replace(next(r for r in self.rows if r.id == article_id), text=self.texts[article_id])

    def search(self, query, k=8, source=None, since=None, until=None, mode="hybrid") -> list[Passage]:
        self.calls.append((query, {"k": k, "source": source, "since": since, "until": until}))
        if not self.rows:
            return list(self.passages)
        q = cit.content_tokens(query)
        scored = []
        for r in self.articles(source):
            s = len(q & cit.content_tokens(r.title + " " + self.texts[r.id]))
            if s:
                scored.append((-s, r.id))
        out = []
        for _, aid in sorted(scored)[:k]:
            r = self.article(aid)
            out.append(Passage(chunk_id=f"{aid}:0", article_id=aid, text=r.text, start=0, end=len(r.text),
                               position=0, title=r.title, outlet=r.outlet, date=r.date, source_file=r.file,
                               keyword_rank=len(out) + 1))
        return out


class BatchReadingModel(ScriptedModel):
    """A scripted model that first 'reads' its prompt in batches (`batches` of `batch_s` seconds
    each, like llama.cpp evaluating a long prompt on 2 cores) and checks the cancel flag between
    batches, as `LocalLlama` does (bot/backends/llm.py, `_prefill`): a cancel during the prompt
    stops it within one batch, with nothing generated. `reading` is set while it reads."""

    def __init__(self, replies: list[Reply] | None = None, batches: int = 20, batch_s: float = 0.25, **kw):
        super().__init__(replies, **kw)
        self.batches = batches
        self.batch_s = batch_s
        self.reading = False
        self.batches_read = 0
        self.stopped_reading = False  # True when a cancel stopped a prompt part way

    def stream(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        self.cancel_event.clear()
        self.reading = True
        try:
            for _ in range(self.batches):
                if self.cancel_event.is_set():
                    break
                time.sleep(self.batch_s)
                self.batches_read += 1
        finally:
            self.reading = False
        if self.cancel_event.is_set():
            self.stopped_reading = True
            self.history.append(messages)
            self.last = GenStats(prompt_tokens=sum(len(m["content"]) for m in messages) // 4)
            return
        # the prompt is read: generate as the scripted model does (it clears the flag again: not set now)
        yield from super().stream(messages, max_tokens=max_tokens, stop=stop, grammar=grammar)
