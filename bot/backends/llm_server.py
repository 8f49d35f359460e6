"""`OpenAIServer`: a chat model on any OpenAI-compatible server (llama-server, llama_cpp.server,
vLLM), streaming; the same interface as the in-process `LocalLlama` (bot.backends.llm)."""

from __future__ import annotations

import json
import time
from typing import Iterator

from bot.backends.chat import ChatModel, ContextOverflow, GenStats
from bot.errors import ModelError


class OpenAIServer(ChatModel):
    """Generation on an OpenAI-compatible server (`/v1/chat/completions`, streaming SSE)."""

    def __init__(self, url: str, model: str = "default", timeout: float = 120.0, temperature: float = 0.0,
                 seed: int = 42, n_ctx: int = 4096):
        super().__init__()
        self.url = url.rstrip("/")
        if not self.url.endswith("/v1"):
            self.url += "/v1"
        self.name = f"{model}@{url}"
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self.seed = seed
        self.n_ctx = n_ctx

    def stream(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        import httpx

        self.cancel_event.clear()
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": self.temperature,
                "seed": self.seed, "stream": True, "stream_options": {"include_usage": True}}
        if stop:
            body["stop"] = stop
        if grammar:
            body["grammar"] = grammar  # llama.cpp's servers (llama-server, llama_cpp.server) honour GBNF
        stats = GenStats()
        t0 = time.perf_counter()
        try:
            with httpx.stream("POST", f"{self.url}/chat/completions", json=body, timeout=self.timeout) as resp:
                if resp.status_code != 200:
                    detail = resp.read().decode("utf-8", "ignore")[:200]
                    if "context" in detail.lower() and ("exceed" in detail.lower() or "length" in detail.lower()):
                        raise ContextOverflow(0, self.n_ctx)
                    raise ModelError("Model server error", f"{self.url} answered HTTP {resp.status_code}: {detail}")
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    obj = json.loads(data)
                    if obj.get("usage"):
                        stats.prompt_tokens = obj["usage"].get("prompt_tokens", 0)
                        stats.completion_tokens = obj["usage"].get("completion_tokens", stats.completion_tokens)
                    for choice in obj.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            if stats.first_token_ms is None:
                                stats.first_token_ms = (time.perf_counter() - t0) * 1000
                            stats.completion_tokens += 1
                            yield piece
                    if self.cancel_event.is_set():
                        break
        except httpx.TimeoutException:
            raise ModelError("Model server timed out", f"no answer from {self.url} within {self.timeout:g}s. Check the server or raise llm_timeout.") from None
        except httpx.HTTPError as exc:
            raise ModelError("Cannot reach model server", f"{self.url}: {exc}. Start the server or fix --llm-url.") from None
        stats.total_ms = (time.perf_counter() - t0) * 1000
        stats.first_token_ms = stats.first_token_ms or stats.total_ms
        if not stats.prompt_tokens:  # servers that send no usage in the stream: estimate (~4 chars a token)
            stats.prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
        self.last = stats
