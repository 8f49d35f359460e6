"""Asking and briefing from MainScreen: one run at a time in a worker thread, the stage it is at
shown while the reader waits, Esc cancels at once, and a new question while one runs cancels and
replaces it. A mixin of `bot.tui.main.MainScreen` (its messages, views and status line).

Cancelling does not wait for the model: the run is marked cancelled, the model's cancel flag set
(it stops between prompt batches or tokens), and the UI is ready again at once; whatever the
cancelled worker still posts is ignored. Until the cancelled worker lets go of the model a thread
keeps setting the flag (a model clears it when it starts a prompt), and the next run waits for it."""

from __future__ import annotations

import re
import threading
from typing import Any

from textual import work
from textual.containers import VerticalScroll

from bot.core.types import Answer, Brief
from bot.tui.screens import SessionEntry, describe
from bot.tui.widgets import StatusLine

RECHECK = 0.05  # seconds between re-setting the cancel flag while a cancelled run lets go


class Run:
    """One ask or brief in flight."""

    def __init__(self, kind: str, label: str) -> None:
        self.kind = kind
        self.label = label
        self.cancelled = False
        self.done = threading.Event()


def reading_stage(messages: list[dict]) -> str:
    """"Reading 8 sentences from 3 articles…" from the prompt the model is about to read."""
    user = messages[-1]["content"] if messages else ""
    n = len(re.findall(r"(?m)^\[\d+\] ", user))
    articles = len(re.findall(r"(?m)^Article\b", user))
    if articles:
        return f"Reading {n} evidence sentence{'s' * (n != 1)} from {articles} article{'s' * (articles != 1)}…"
    return f"Reading {n} passage{'s' * (n != 1)}…" if n else "Reading the passages…"


class Runs:
    run: Run | None = None

    @property
    def busy(self) -> str:
        """"ask" | "brief" while a run is in flight and not cancelled, else ""."""
        run = self.run
        return run.kind if run is not None and not run.cancelled and not run.done.is_set() else ""

    # -- starting ------------------------------------------------------------------------------
    def _start(self, kind: str, label: str, heading: str) -> tuple[Run, Run | None]:
        prev = self.run
        if prev is not None and not prev.done.is_set() and not prev.cancelled:
            self._cancel(prev, replaced=True)
        run = Run(kind, label)
        self.run = run
        self.answer_view.begin(heading)
        self.call_later(self.brief_extras.show, None)
        self._set_busy_status(("Answering" if kind == "ask" else "Briefing") + "… Esc cancels")
        self.refresh_bindings()
        return run, prev

    async def ask(self, question: str) -> None:
        run, prev = self._start("ask", question, "Q: " + question)
        await self.sources.show([], "Sources", "The passages this answer cites will appear here.")
        self.run_ask(run, prev, question, self.keep_unsupported, list(self.thread), self.thread_root)

    async def action_brief(self) -> None:
        topic = self.question.value.strip() or None
        run, prev = self._start("brief", topic or "(newest articles)", "Briefing: " + (topic or "the newest articles"))
        await self.sources.show([], "Sources", "The passages this briefing cites will appear here.")
        self.run_brief(run, prev, topic)

    def _set_busy_status(self, text: str) -> None:
        self.query_one(StatusLine).busy_text = text
        self.set_status(text)

    # -- in the worker thread ------------------------------------------------------------------
    def _prepare(self, run: Run, prev: Run | None) -> bool:
        """Wait for a cancelled run to let go of the model (`_hold_cancelled` keeps its cancel flag
        set); False when this run was cancelled meanwhile."""
        if prev is not None:
            prev.done.wait()
        if run.cancelled:
            return False
        self.app.services.on_stage = lambda name, **info: self._stage(run, name, info)
        self._post_stage(run, "Searching the articles…")
        return True

    def _stage(self, run: Run, name: str, info: dict) -> None:
        if run.cancelled:
            self.app.cancel_generation()  # a cancelled run that goes on: stop it at the next batch or token
            return
        text = {"reading": reading_stage(info.get("messages") or []), "writing": "Writing…",
                "checking": "Checking the answer against the evidence…"}.get(name, name)
        self._post_stage(run, text)

    def _post_stage(self, run: Run, text: str) -> None:
        try:
            self.app.call_from_thread(self._show_stage, run, text)
        except RuntimeError:  # the app is closing
            self.app.cancel_generation()

    def _on_token(self, run: Run, token: str) -> None:
        if run.cancelled:
            self.app.cancel_generation()
            return
        try:
            self.app.call_from_thread(self._append_token, run, token)
        except RuntimeError:  # the app is closing
            self.app.cancel_generation()

    @work(thread=True, exit_on_error=False, group="generate")
    def run_ask(self, run: Run, prev: Run | None, question: str, keep_unsupported: bool = False,
                follows: list | None = None, root: int | None = None) -> None:
        try:
            if not self._prepare(run, prev):
                return
            answer = self.app.get_answerer().ask(question, keep_unsupported=keep_unsupported,
                                                 on_token=lambda t: self._on_token(run, t),
                                                 follows=follows or None, conversation=root)
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(self.WorkFailed("ask", *describe(exc), run=run))
            return
        finally:
            run.done.set()
        self.post_message(self.AnswerReady(answer, run=run))

    @work(thread=True, exit_on_error=False, group="generate")
    def run_brief(self, run: Run, prev: Run | None, topic: str | None) -> None:
        try:
            if not self._prepare(run, prev):
                return
            brief = self.app.get_briefer().brief(topic, on_token=lambda t: self._on_token(run, t))
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(self.WorkFailed("brief", *describe(exc), run=run))
            return
        finally:
            run.done.set()
        self.post_message(self.BriefReady(brief, topic, run.cancelled, run=run))

    # -- back in the UI ------------------------------------------------------------------------
    def _current(self, run: Run | None) -> bool:
        return run is None or (run is self.run and not run.cancelled)

    def _show_stage(self, run: Run, text: str) -> None:
        if self._current(run):
            self.answer_view.stage(text)
            self._set_busy_status(text.rstrip("…") + "… Esc cancels")

    def _append_token(self, run: Run, token: str) -> None:
        if self._current(run):
            self.answer_view.append(token)
            self.query_one("#answer-pane", VerticalScroll).scroll_end(animate=False)

    async def on_main_screen_answer_ready(self, msg: Any) -> None:
        if not self._current(msg.run):
            return
        answer: Answer = msg.answer
        self.model_name = answer.model or self.model_name
        cancelled = answer.refusal_reason == "cancelled"
        if not cancelled:
            self._continue_thread(answer)
        self.session.append(SessionEntry("ask", answer, answer.question, list(self.thread), self.thread_root, cancelled))
        await self.show_item("ask", answer)
        self.set_status("Cancelled" if cancelled else "")

    async def on_main_screen_brief_ready(self, msg: Any) -> None:
        if not self._current(msg.run):
            return
        if msg.cancelled:
            await self._show_cancelled(msg.run)
            return
        label = msg.topic or "(newest articles)"
        self.session.append(SessionEntry("brief", msg.brief, label))
        await self.show_item("brief", msg.brief)
        self.set_status("")

    async def on_main_screen_work_failed(self, msg: Any) -> None:
        if msg.task == "index":
            self.set_status(f"index: {msg.title}")
            if self.answer_view.state in ("empty", "notice"):
                self.answer_view.show_error(msg.title, msg.message)
            return
        if not self._current(msg.run):
            return
        self.answer_view.show_error(msg.title, msg.message)
        await self.sources.show([], "Sources", "Nothing is cited: " + msg.title.lower() + ".")
        self.set_status(msg.title)
        self.settle_focus()

    # -- cancelling ----------------------------------------------------------------------------
    def _cancel(self, run: Run, replaced: bool = False) -> None:
        """Mark `run` cancelled and stop the model; keep it in this session's history."""
        run.cancelled = True
        self.app.cancel_generation()
        partial = self.answer_view.raw
        if run.kind == "ask":
            item: Answer | Brief | None = Answer(question=run.label, answer="", refused=True, raw=partial,
                                                 refusal_reason="cancelled", stages={"model": "cancelled"})
        else:
            item = None
        self.session.append(SessionEntry(run.kind, item, run.label, cancelled=True))
        threading.Thread(target=self._hold_cancelled, args=(run, self.app), daemon=True).start()
        if replaced:
            self.notify(f"Cancelled “{run.label[:40]}” to ask the new question.")

    @staticmethod
    def _hold_cancelled(run: Run, app) -> None:
        """Keep the cancel flag set until the cancelled run lets go of the model (a model clears
        it when it starts a prompt, so a cancel during retrieval would otherwise be lost). The
        next run only starts its own prompt after this one is done, so it is never hit."""
        while not run.done.wait(RECHECK):
            app.cancel_generation()  # (`self.app` is only known in textual's own threads)

    async def _show_cancelled(self, run: Run) -> None:
        if run.kind == "ask":
            entry = self.session[-1] if self.session and self.session[-1].cancelled else None
            await self.show_item("ask", entry.item if entry else Answer(run.label, "", True, refusal_reason="cancelled"))
        else:
            self.answer_view.show_error("Briefing cancelled", "Press b to brief again.")
            await self.sources.show([], "Sources", "Cancelled before anything was cited.")
            self.settle_focus()
        self.set_status("Cancelled")

    async def action_cancel(self) -> None:
        run = self.run
        if run is not None and not run.done.is_set() and not run.cancelled:
            self._cancel(run)
            await self._show_cancelled(run)
        elif self.app.focused is self.question:
            self.settle_focus(force=True)

