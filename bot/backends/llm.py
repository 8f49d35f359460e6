"""Chat models behind one small interface (bot.backends.chat.ChatModel).

- `LocalLlama`: a GGUF file run in-process by llama-cpp-python, loaded once and reused; calls are
  serialised with a lock (llama.cpp contexts are not thread-safe). llama-cpp-python keeps the KV
  cache of the previous prompt, so a prompt that starts with the same fixed prefix (system
  prompt) skips re-processing it.
- `OpenAIServer` (llm_server.py): any OpenAI-compatible server (llama-server, llama_cpp.server,
  vLLM), streaming.

`stream(messages)` yields text pieces; afterwards `last` holds token counts and timings.
"""

from __future__ import annotations

import atexit
import threading
import time
from pathlib import Path
from typing import Iterator

from bot.backends.chat import ChatModel, ContextOverflow, GenStats  # noqa: F401 (re-exported)
from bot.errors import ModelError


# Prompt tokens read per llama.cpp decode before the cancel flag is checked again: under 2 s of
# prompt on 2 cores for the 1.5B model. 64-token slices cost first-token time (`make bench`:
# 1.19x raw llama.cpp against 1.07x with 128); README, Limits. A decode cannot be interrupted.
PREFILL_SLICE = 128


class LocalLlama(ChatModel):
    loads_on_first_use = True

    def __init__(self, path: Path, name: str | None = None, n_ctx: int = 4096, n_threads: int = 2,
                 n_batch: int = 512, temperature: float = 0.0, seed: int = 42):
        super().__init__()
        self.path = Path(path)
        self.name = name or self.path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.n_batch = n_batch
        self.temperature = temperature
        self.seed = seed
        self._llm = None
        self._formatter = None
        self._lock = threading.RLock()
        self._grammars: dict[str, object] = {}
        self._yes_no: tuple[list[int], list[int]] | None = None
        self._none_num: tuple[list[int], list[int]] | None = None

    # -- lifetime -------------------------------------------------------------------------
    @property
    def llm(self):
        with self._lock:
            if self._llm is None:
                self._load()
            return self._llm

    def load(self) -> None:
        self.llm  # the property loads the weights once

    def _load(self) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("llama-cpp-python is not installed", f"{exc}. Run `make run` or `pip install -e .`.") from None
        try:
            self._llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                              n_threads_batch=self.n_threads, n_batch=self.n_batch, seed=self.seed,
                              verbose=False)
        except Exception as exc:  # llama.cpp raises ValueError on a bad file
            raise ModelError("Could not load model", f"{self.path}: {exc}. Check the file (`newsbot doctor`) or pull it again.") from None
        meta = self._llm.metadata
        template = meta.get("tokenizer.chat_template")
        if template:
            eos = self._token_text(int(meta.get("tokenizer.ggml.eos_token_id", self._llm.token_eos())))
            bos = self._token_text(int(meta.get("tokenizer.ggml.bos_token_id", self._llm.token_bos())))
            self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

    def _token_text(self, tid: int) -> str:
        try:
            return self._llm.detokenize([tid], special=True).decode("utf-8", "ignore")
        except Exception:
            return ""

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- prompts --------------------------------------------------------------------------
    def format(self, messages: list[dict]) -> tuple[str, list[str]]:
        """The exact prompt text the model sees, and the template's stop strings."""
        self.llm  # loads the model and its chat template on first use
        if self._formatter is not None:
            res = self._formatter(messages=messages)
            stops = res.stop if isinstance(res.stop, list) else ([res.stop] if res.stop else [])
            return res.prompt, stops
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return text + "<|im_start|>assistant\n", ["<|im_end|>"]

    def tokenize(self, prompt: str) -> list[int]:
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # -- generation -----------------------------------------------------------------------
    def stream(self, messages: list[dict], max_tokens: int = 160, stop: list[str] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        with self._lock:
            prompt, tstops = self.format(messages)
            tokens = self.tokenize(prompt)
            yield from self.stream_tokens(tokens, max_tokens, (stop or []) + tstops, grammar=grammar)

    def _grammar(self, gbnf: str | None):
        if not gbnf:
            return None
        if gbnf not in self._grammars:
            from llama_cpp import LlamaGrammar

            if len(self._grammars) >= 16:  # per-question grammars (a choice of the evidence's names) come and go
                self._grammars.pop(next(iter(self._grammars)))
            self._grammars[gbnf] = LlamaGrammar.from_string(gbnf, verbose=False)
        return self._grammars[gbnf]

    def _cached_prefix(self, tokens: list[int]) -> int:
        llm = self.llm
        prev = list(llm._input_ids[: llm.n_tokens]) if llm.n_tokens else []
        common = 0
        for a, b in zip(prev, tokens):
            if a != b:
                break
            common += 1
        return common

    def stream_tokens(self, tokens: list[int], max_tokens: int, stop: list[str], grammar: str | None = None) -> Iterator[str]:
        with self._lock:
            llm = self.llm
            if len(tokens) + max_tokens > self.n_ctx:
                raise ContextOverflow(len(tokens) + max_tokens, self.n_ctx)
            self.cancel_event.clear()
            stats = GenStats(prompt_tokens=len(tokens))
            stats.cached_tokens = self._cached_prefix(tokens)
            t0 = time.perf_counter()
            try:
                if not self._prefill(tokens, stats.cached_tokens):
                    stats.total_ms = stats.first_token_ms = (time.perf_counter() - t0) * 1000
                    self.last = stats  # cancelled while reading the prompt: nothing generated
                    return
                it = llm.create_completion(tokens, max_tokens=max_tokens, temperature=self.temperature,
                                           top_k=1 if self.temperature == 0 else 40, seed=self.seed,
                                           stop=stop, stream=True, grammar=self._grammar(grammar))
                for chunk in it:
                    piece = chunk["choices"][0]["text"]
                    if stats.first_token_ms is None:
                        stats.first_token_ms = (time.perf_counter() - t0) * 1000
                    stats.completion_tokens += 1
                    self.last = stats
                    if piece:
                        yield piece
                    if self.cancel_event.is_set():
                        break
            except ValueError as exc:
                if "context" in str(exc).lower() or "exceed" in str(exc).lower():
                    raise ContextOverflow(len(tokens) + max_tokens, self.n_ctx) from None
                raise ModelError("Generation failed", str(exc)) from None
            stats.total_ms = (time.perf_counter() - t0) * 1000
            if stats.first_token_ms is None:
                stats.first_token_ms = stats.total_ms
            self.last = stats

    def _prefill(self, tokens: list[int], common: int) -> bool:
        """Read the prompt's new tokens a slice at a time, the cancel flag checked between slices; the
        last slice is left to `create_completion`, which finds the rest as a cached prefix (no token
        is read twice). False when cancelled."""
        llm = self.llm
        new = len(tokens) - common
        stop = len(tokens) - (new % PREFILL_SLICE or PREFILL_SLICE)  # the tail create_completion reads
        if stop <= common:
            return not self.cancel_event.is_set()
        if common > 0 and llm._ctx.kv_cache_seq_rm(-1, common, -1):
            llm.n_tokens = common
        else:
            llm.reset()
            common = 0
        for start in range(common, stop, PREFILL_SLICE):
            if self.cancel_event.is_set():
                return False
            llm.eval(tokens[start:min(start + PREFILL_SLICE, stop)])
        return not self.cancel_event.is_set()

    def yes_probability(self, messages: list[dict]) -> float | None:
        """P(yes) from the logits of the reply's first token (yes/Yes vs no/No); the prompt's prefix
        shared with the previous call is reused from the KV cache, as in generation."""
        with self._lock:  # re-entrant: _odds takes it again
            if self._yes_no is None:
                self._yes_no = (self._first_ids(["yes", "Yes", " yes", " Yes", "YES"]), self._first_ids(["no", "No", " no", " No", "NO"]))
            return self._odds(self.format(messages)[0], *self._yes_no)

    def decline_probability(self, messages: list[dict], opening: str) -> float | None:
        with self._lock:
            if self._none_num is None:
                # Qwen's tokenizer writes " 3" as " " then "3": after "Evidence:" a number starts with a space
                self._none_num = (self._first_ids([" none", " None", "none"]), self._first_ids([" "] + [str(i) for i in range(10)]))
            return self._odds(self.format(messages)[0] + opening, *self._none_num)

    def _first_ids(self, words: list[str]) -> list[int]:
        llm = self.llm
        return sorted({t for w in words for t in llm.tokenize(w.encode(), add_bos=False, special=False)[:1]})

    def _odds(self, prompt: str, yes: list[int], no: list[int]) -> float | None:
        """P(a token of `yes`) / P(a token of `yes` or `no`) as the next token after `prompt`."""
        import numpy as np

        with self._lock:
            llm = self.llm
            tokens = self.tokenize(prompt)
            if len(tokens) + 1 > self.n_ctx:
                raise ContextOverflow(len(tokens) + 1, self.n_ctx)
            t0 = time.perf_counter()
            common = min(self._cached_prefix(tokens), len(tokens) - 1)  # at least one token evaluated: fresh logits
            if common > 0 and llm._ctx.kv_cache_seq_rm(-1, common, -1):
                llm.n_tokens = common
            else:
                llm.reset()
                common = 0
            llm.eval(tokens[common:])
            logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),)).astype(np.float64)
            top = logits.max()
            py = float(np.exp(logits[yes] - top).sum())
            pn = float(np.exp(logits[no] - top).sum())
            ms = (time.perf_counter() - t0) * 1000
            self.last = GenStats(prompt_tokens=len(tokens), completion_tokens=1, first_token_ms=ms, total_ms=ms,
                                 cached_tokens=common)
            return py / (py + pn) if py + pn > 0 else None


_CACHE: dict[tuple, ChatModel] = {}
_CACHE_LOCK = threading.Lock()


@atexit.register
def _close_all() -> None:
    """Free llama.cpp models before interpreter teardown (their __del__ fails noisily after it)."""
    for model in list(_CACHE.values()):
        try:
            model.close()
        except Exception:
            pass
    _CACHE.clear()


def load_chat_model(settings, model: str | None = None) -> ChatModel:
    """The chat model named by the settings, loaded once per process and reused."""
    if settings.llm_url:
        from bot.backends.llm_server import OpenAIServer

        key = ("server", settings.llm_url, model or settings.chat_model)
        with _CACHE_LOCK:
            if key not in _CACHE:
                _CACHE[key] = OpenAIServer(settings.llm_url, model=model or settings.chat_model,
                                           timeout=settings.llm_timeout, temperature=settings.temperature,
                                           seed=settings.seed, n_ctx=settings.n_ctx)
            return _CACHE[key]
    from bot.models import resolve_chat_model

    name = model or settings.chat_model
    path = resolve_chat_model(name, settings.models_dir)
    key = ("local", str(path), settings.n_ctx, settings.resolved_threads(), settings.temperature, settings.seed)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = LocalLlama(path, name=name if not name.endswith(".gguf") else Path(name).stem,
                                     n_ctx=settings.n_ctx, n_threads=settings.resolved_threads(),
                                     n_batch=settings.n_batch, temperature=settings.temperature, seed=settings.seed)
        return _CACHE[key]


# run by `runs_here` in a child process: load the model and read a short prompt
_SMOKE = ("import sys, llama_cpp\n"
          "m = llama_cpp.Llama(sys.argv[1], n_ctx=256, n_threads=int(sys.argv[2]), verbose=False)\n"
          "m.eval(m.tokenize(b'The articles say'))\n")


def runs_here(path: Path, n_threads: int = 2, timeout: float = 300.0) -> str | None:
    """Whether the model reads a prompt on this machine, tried in a child process: a llama.cpp
    build this CPU cannot run dies with a signal (SIGILL; SIGSEGV in the AMX kernels of VMs that
    show AMX but do not enable it) instead of raising, so it cannot be caught in-process. None
    when it ran, else what went wrong."""
    import signal
    import subprocess
    import sys

    try:
        r = subprocess.run([sys.executable, "-c", _SMOKE, str(path), str(n_threads)], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"read no prompt within {timeout:.0f} s"
    if r.returncode < 0:
        try:
            name = signal.Signals(-r.returncode).name
        except ValueError:
            name = f"signal {-r.returncode}"
        return f"crashed ({name}) reading a prompt"
    if r.returncode:
        last = (r.stderr.strip().splitlines() or ["no message"])[-1]
        return f"failed reading a prompt: {last[:200]}"
    return None
