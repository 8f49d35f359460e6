"""What `Answerer` and `Briefer` share: settings, and an index, chat model and history that are
opened on first use and reused for every later call (so a session loads the model once), and the
one "generate, stream, cancel" step and the history save both of them use."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from bot.errors import UsageError


def check_question(text: str | None, settings) -> str:
    """The question with its white space collapsed; a usage error (exit 2) when it is empty or
    longer than `max_question_chars` (a long question crowds the evidence out of the model's
    context, so it is refused before anything is retrieved or loaded)."""
    question = " ".join((text or "").split())
    if not question:
        raise UsageError("Empty question", "ask something, e.g. newsbot ask \"Who was sanctioned?\"")
    limit = getattr(settings, "max_question_chars", 1000)
    if len(question) > limit:
        raise UsageError("Question too long", f"{len(question)} characters, at most {limit} (setting "
                         "max_question_chars); ask a shorter question.")
    return question


@dataclass
class Generation:
    """One model call: its text, when its first piece came (ms since `t0`), whether it was cancelled,
    and the model's token counts (`stats`: prompt_tokens, completion_tokens, cached_tokens)."""

    text: str
    first_ms: float | None
    cancelled: bool
    stats: object


class Services:
    """The parts `ask`, `brief`, `eval` and the TUI share: settings, and an index, chat model and
    history opened on first use and reused for every later call, with one lock around the model.
    Give one to several `Answerer`s / `Briefer`s and they load the model once and take turns."""

    def __init__(self, settings, index=None, model=None, history=None):
        self.settings = settings
        self._index = index
        self._model = model
        self._history = history
        self.lock = threading.RLock()  # re-entrant: a judge call inside an answer holds it again
        self._open = threading.Lock()  # opening a part once, from any thread
        # told what a generation is doing, for a reader waiting on it (the TUI's status):
        # on_stage("reading", messages=...), then "writing", then "checking"
        self.on_stage: Callable[..., None] | None = None

    @property
    def index(self):
        with self._open:
            if self._index is None:
                from bot.core.index import Index

                self._index = Index(self.settings)
            return self._index

    @property
    def model(self):
        with self._open:
            if self._model is None:
                from bot.backends.llm import load_chat_model

                self._model = load_chat_model(self.settings)
            return self._model

    @property
    def history(self):
        with self._open:
            if self._history is None:
                from bot.core.history import History

                self._history = History(self.settings.index_dir / "history.sqlite")
            return self._history

    @property
    def loaded_model(self):
        """The chat model if it has been opened, else None (asking does not load it)."""
        return self._model

    def cancel(self) -> None:
        """Stop a generation in progress (safe to call from another thread)."""
        if self._model is not None:
            self._model.cancel_event.set()

    def generate(self, messages: list[dict], *, max_tokens: int, stop: list[str], t0: float,
                 on_token: Callable[[str], None] | None = None, grammar: str | None = None) -> Generation:
        """Stream one reply under the lock (llama.cpp contexts are not thread-safe), passing each
        piece to `on_token`; `cancel()` from another thread stops it."""
        model = self.model
        parts: list[str] = []
        first: float | None = None
        with self.lock:
            self._stage("reading", messages=messages)
            for piece in model.stream(messages, max_tokens=max_tokens, stop=stop, grammar=grammar):
                if first is None:
                    first = (time.perf_counter() - t0) * 1000
                    self._stage("writing")
                parts.append(piece)
                if on_token is not None:
                    on_token(piece)
            cancelled = model.cancel_event.is_set()
            self._stage("checking")
        return Generation("".join(parts).strip(), first, cancelled, model.last)

    def _stage(self, name: str, **info) -> None:
        if self.on_stage is not None:
            try:
                self.on_stage(name, **info)
            except Exception:  # a listener's failure never stops an answer
                pass

    def save(self, record, kind: str | None = None) -> None:
        """Keep an answer or a briefing in the history; history is a convenience, never a reason
        to lose what was just made."""
        try:
            self.history.add(record, kind) if kind else self.history.add(record)
        except Exception:
            pass


class Session:
    """Base of `Answerer` and `Briefer`: settings and a `Services` object (its own, or one shared
    with others through `services=`)."""

    def __init__(self, settings, index=None, model=None, history=None, services: Services | None = None):
        self.settings = settings
        self.services = services if services is not None else Services(settings, index, model, history)

    @property
    def index(self):
        return self.services.index

    @property
    def model(self):
        return self.services.model

    @property
    def history(self):
        return self.services.history

    @property
    def loaded_model(self):
        return self.services.loaded_model

    @property
    def _lock(self):
        return self.services.lock

    def cancel(self) -> None:
        self.services.cancel()

    def generate(self, messages: list[dict], **kw) -> Generation:
        return self.services.generate(messages, **kw)

    def save(self, record, kind: str | None = None) -> None:
        self.services.save(record, kind)
