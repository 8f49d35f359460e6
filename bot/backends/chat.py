"""The chat model interface every backend implements (`ChatModel`), the statistics of a call
(`GenStats`) and the error of a prompt too long for the context (`ContextOverflow`). The backends:
bot.backends.llm (llama.cpp in-process) and bot.backends.llm_server (an OpenAI-compatible server)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Iterator

from bot.errors import ExitCode, NewsbotError


@dataclass
class GenStats:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    first_token_ms: float | None = None
    total_ms: float = 0.0
    cached_tokens: int = 0  # prompt tokens reused from the previous call's KV cache




class ContextOverflow(NewsbotError):
    def __init__(self, needed: int, n_ctx: int):
        super().__init__(
            "Context overflow",
            f"the prompt needs {needed} tokens but the model context holds {n_ctx}. "
            "Shorten the question (a long one crowds out the evidence), lower --k or the prompt_budget setting, "
            "or raise n_ctx.",
            ExitCode.MODEL,
        )
        self.needed = needed
        self.n_ctx = n_ctx


class ChatModel:
    """A chat model: `stream` is the one method a backend must write; the rest have defaults."""

    name: str = "model"
    n_ctx: int = 4096
    loads_on_first_use: bool = False  # True: `load()` takes a while (say so before calling it)

    def __init__(self) -> None:
        self.last = GenStats()
        self.cancel_event = threading.Event()

    def stream(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        """Text pieces as generated. `grammar` (GBNF) constrains the output where the backend
        supports it; others ignore it, and callers parse leniently."""
        raise NotImplementedError

    def complete(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None) -> str:
        return "".join(self.stream(messages, max_tokens, stop))

    def yes_probability(self, messages: list[dict]) -> float | None:
        """P(the reply starts with "yes") against "no", for a yes/no question: a judge with a
        score, not a coin. This fallback reads one generated word (1.0 or 0.0); None: no answer."""
        reply = self.complete(messages, max_tokens=2).strip().lower()
        if reply.startswith("yes"):
            return 1.0
        if reply.startswith("no"):
            return 0.0
        return None

    def decline_probability(self, messages: list[dict], opening: str) -> float | None:
        """P that the reply, once it has written `opening` ("Evidence:"), goes on with "none" rather
        than a number: the model's own doubt that the passages answer. None where not known."""
        return None

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def load(self) -> None:
        """Load the weights now rather than on the first call (default: nothing to load)."""

    def cancel(self) -> None:
        """Stop a generation in progress at its next token (safe from any thread)."""
        self.cancel_event.set()

    def close(self) -> None:
        pass
