"""Test doubles, in one place (none ship inside bot/): a scripted chat model and a hashing
embedder. They implement the same interfaces as the real backends (`ChatModel`, `Embedder`)."""

from __future__ import annotations

import hashlib
import time
from typing import Callable, Iterator

import numpy as np

from bot.backends.embedder import Embedder
from bot.backends.llm import ChatModel, GenStats

Reply = str | Callable[[list[dict]], str]


class ScriptedModel(ChatModel):
    """A fake chat model for tests: replies are given in order (a string, or a function of the
    messages); the last one repeats. Every call is kept in `history`."""

    def __init__(self, replies: list[Reply] | None = None, name: str = "scripted", delay: float = 0.0,
                 judge: float | Callable[[list[dict]], float | None] | None = None):
        super().__init__()
        self.judge = judge
        self.judged: list[list[dict]] = []
        self.replies: list[Reply] = list(replies or ["The articles do not say."])
        self.history: list[list[dict]] = []
        self.name = name
        self.delay = delay

    def yes_probability(self, messages: list[dict]) -> float | None:
        """The scripted judge: `judge` is a probability, a function of the messages, or None (no judge)."""
        self.judged.append(messages)
        return self.judge(messages) if callable(self.judge) else self.judge

    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def stream(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        self.cancel_event.clear()
        self.history.append(messages)
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
