"""The newsbot TUI: each answer next to the passages it cites.

`build_app(settings, answerer=None, briefer=None, index=None)` builds the app for the CLI
(`newsbot tui`) and for the tests. The app uses the same core objects as `ask --json` and
`brief --json` (`Answerer.ask` → `Answer`, `Briefer.brief` → `Brief`): there is no second
pipeline. Constructors are cheap; the index, the model and the briefer are opened on first use
inside thread workers, which report back with messages, so the UI never freezes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input

from bot.core.types import Answer
from bot.errors import NewsbotError
from bot.tui.navigation import SourcesAndScreens
from bot.tui.screens import describe
from bot.tui.widgets import AnswerView, SourcesPane, StatusLine, brief_citations

EXAMPLE = "Which officials were sanctioned?"


class MainScreen(SourcesAndScreens, Screen):
    """Question box on top; the answer on the left, its sources on the right."""

    BINDINGS = [
        Binding("slash", "focus_question", "Ask", id="newsbot.ask"),
        Binding("escape", "cancel", "Cancel", id="newsbot.cancel"),
        Binding("1", "select_citation(1)", "Source", key_display="1-9", id="newsbot.source-1"),
        *[Binding(str(i), f"select_citation({i})", f"Source {i}", show=False, id=f"newsbot.source-{i}")
          for i in range(2, 10)],
        Binding("o", "open_article", "Open", id="newsbot.open"),
        Binding("b", "brief", "Brief", id="newsbot.brief"),
        Binding("u", "toggle_unchecked", "Unchecked", show=False, id="newsbot.unchecked"),
        Binding("t", "new_thread", "New thread", show=False, id="newsbot.new-thread"),
        Binding("l", "library", "Library", id="newsbot.library"),
        Binding("h", "history", "History", id="newsbot.history"),
        Binding("question_mark", "help", "Help", id="newsbot.help"),
        Binding("q", "app.quit", "Quit", id="newsbot.quit"),
    ]

    # -- messages posted by the workers ------------------------------------------------------
    @dataclass
    class IndexChecked(Message, bubble=False):
        articles: int
        chunks: int

    @dataclass
    class AnswerReady(Message, bubble=False):
        answer: Answer

    @dataclass
    class BriefReady(Message, bubble=False):
        brief: Any
        topic: str | None
        cancelled: bool = False

    @dataclass
    class WorkFailed(Message, bubble=False):
        task: str  # "ask" | "brief" | "index"
        title: str
        message: str

    @dataclass
    class Shown(Message, bubble=False):
        """An answer or briefing has settled on screen (with its sources)."""

        kind: str
        item: Any

    def __init__(self) -> None:
        super().__init__()
        self.busy = ""  # "" | "ask" | "brief"
        self.cancel_requested = False
        self.keep_unsupported = False
        self.session: list[tuple[str, Any, str]] = []  # (kind, Answer | Brief, label)
        # questions asked in a row form a thread: each is a follow-up of the ones before ("t" starts anew)
        self.thread: list[Answer] = []
        self.thread_root: int | None = None  # history id of the thread's first answer
        self.index_counts: tuple[int, int] | None = None
        self.model_name = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=f"Ask, e.g. {EXAMPLE} (Enter asks; Esc, then ? for keys)", id="question")
        with Horizontal(id="main"):
            with VerticalScroll(id="answer-pane"):
                yield AnswerView(id="answer")
            yield SourcesPane(id="sources-pane")
        yield StatusLine("", id="status")
        yield Footer(compact=True)

    @property
    def answer_view(self) -> AnswerView:
        return self.query_one(AnswerView)

    @property
    def sources(self) -> SourcesPane:
        return self.query_one(SourcesPane)

    @property
    def question(self) -> Input:
        return self.query_one("#question", Input)

    def on_mount(self) -> None:
        self.question.cursor_blink = self.app.cursor_blink
        self.query_one("#answer-pane").border_title = "Answer"
        self.answer_view.notice(Text.assemble(
            "Type a question about the indexed articles and press Enter, e.g. “",
            (EXAMPLE, "italic"), "”\n\nEach sentence of the answer is checked against the passage it cites; "
            "the cited passages appear on the right.\n\n", ("Esc", "bold"), " leaves the question box; then ",
            ("1-9", "bold"), " select a source, ", ("o", "bold"), " opens its article, ", ("b", "bold"),
            " briefs, ", ("l", "bold"), " opens the library, ", ("?", "bold"), " shows all keys."))
        self.set_status("Opening the index…")
        self.question.focus()
        self.check_index()

    # -- status --------------------------------------------------------------------------------
    def set_status(self, text: str) -> None:
        parts = []
        if self.index_counts is not None:
            parts.append(f"{self.index_counts[0]} articles, {self.index_counts[1]} chunks")
        parts.append(f"model {self.model_name or self.app.model_label}")
        if text:
            parts.append(text)
        self.query_one(StatusLine).update(" · ".join(parts))

    @work(thread=True, exclusive=True, exit_on_error=False, group="index")
    def check_index(self) -> None:
        try:
            articles, chunks = self.app.get_index().counts()
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(self.WorkFailed("index", *describe(exc)))
            return
        self.post_message(self.IndexChecked(articles, chunks))

    def on_main_screen_index_checked(self, msg: IndexChecked) -> None:
        self.index_counts = (msg.articles, msg.chunks)
        self.set_status("" if not self.busy else self.query_one(StatusLine).busy_text)
        if msg.articles == 0 and self.answer_view.state in ("empty", "notice"):
            self.answer_view.notice(Text.assemble(
                ("The index is empty.", "bold"), f"\nIndex folder: {self.app.settings.index_dir}\n\n"
                "Press ", ("l", "bold"), " to open the Library, type a folder (e.g. seeds/) and press Enter "
                "to ingest it; or run `newsbot ingest seeds/` and restart."))

    # -- asking ----------------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    async def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if question:
            await self.ask(question)

    def _busy(self) -> bool:
        if self.busy:
            self.notify(f"A {'briefing' if self.busy == 'brief' else 'answer'} is being written: "
                        "press Esc to cancel it first.", severity="warning")
            return True
        return False

    async def ask(self, question: str) -> None:
        if self._busy():
            return
        self.busy = "ask"
        self.cancel_requested = False
        self.answer_view.begin("Q: " + question)
        await self.sources.show([], "Sources")
        self._set_busy_status("Answering… Esc cancels")
        self.run_ask(question, self.keep_unsupported, list(self.thread), self.thread_root)

    def _set_busy_status(self, text: str) -> None:
        status = self.query_one(StatusLine)
        status.busy_text = text
        self.set_status(text)

    def _on_token(self, token: str) -> None:
        """Called in the worker thread for each generated piece."""
        if self.cancel_requested:
            self.app.cancel_generation()  # the model clears its cancel flag when it starts: set it again
        try:
            self.app.call_from_thread(self._append_token, token)
        except RuntimeError:  # the app is closing
            self.app.cancel_generation()

    def _append_token(self, token: str) -> None:
        self.answer_view.append(token)
        self.query_one("#answer-pane", VerticalScroll).scroll_end(animate=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="generate")
    def run_ask(self, question: str, keep_unsupported: bool = False, follows: list | None = None,
                root: int | None = None) -> None:
        try:
            answer = self.app.get_answerer().ask(question, keep_unsupported=keep_unsupported, on_token=self._on_token,
                                                 follows=follows or None, conversation=root)
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(self.WorkFailed("ask", *describe(exc)))
            return
        self.post_message(self.AnswerReady(answer))

    async def on_main_screen_answer_ready(self, msg: AnswerReady) -> None:
        self.busy = ""
        answer = msg.answer
        self.model_name = answer.model or self.model_name
        self.answer_view.show_answer(answer)
        self.query_one("#answer-pane", VerticalScroll).scroll_home(animate=False)
        await self.sources.show(answer.citations)
        if answer.refusal_reason != "cancelled":
            self.session.append(("ask", answer, answer.question))
            self._continue_thread(answer)
        self.set_status("Cancelled" if answer.refusal_reason == "cancelled" else "")
        self._settle_focus()
        self.post_message(self.Shown("ask", answer))

    def _continue_thread(self, answer: Answer) -> None:
        self.thread.append(answer)
        if self.thread_root is None:
            try:
                self.thread_root = self.app.get_history().latest_ask()
            except Exception:  # noqa: BLE001 - a thread without a saved root still works on screen
                self.thread_root = None
        pane = self.query_one("#answer-pane")
        pane.border_title = (f"Answer · thread of {len(self.thread)}: "
                             + " → ".join(a.question[:24] for a in self.thread[-3:]) + " (t: new thread)"
                             if len(self.thread) > 1 else "Answer")

    def action_new_thread(self) -> None:
        self.thread, self.thread_root = [], None
        self.query_one("#answer-pane").border_title = "Answer"
        self.notify("New thread: the next question stands alone.")

    def _settle_focus(self) -> None:
        if self.app.focused is self.question and self.sources.list.children:
            self.sources.list.focus()

    def on_main_screen_work_failed(self, msg: WorkFailed) -> None:
        if msg.task == "index":
            self.set_status(f"index: {msg.title}")
            if self.answer_view.state in ("empty", "notice"):
                self.answer_view.show_error(msg.title, msg.message)
            return
        self.busy = ""
        if msg.task == "brief" and self.cancel_requested:
            self.answer_view.show_error("Briefing cancelled", "Press b to brief again.")
            self.sources.border_title = "Sources"
            self.set_status("Cancelled")
            return
        self.answer_view.show_error(msg.title, msg.message)
        self.set_status(msg.title)

    # -- briefing -------------------------------------------------------------------------------
    async def action_brief(self) -> None:
        if self._busy():
            return
        topic = self.question.value.strip() or None
        self.busy = "brief"
        self.cancel_requested = False
        self.answer_view.begin("Briefing: " + (topic or "the newest articles"))
        await self.sources.show([], "Sources")
        self._set_busy_status("Briefing… Esc cancels")
        self.run_brief(topic)

    @work(thread=True, exclusive=True, exit_on_error=False, group="generate")
    def run_brief(self, topic: str | None) -> None:
        try:
            brief = self.app.get_briefer().brief(topic, on_token=self._on_token)
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(self.WorkFailed("brief", *describe(exc)))
            return
        self.post_message(self.BriefReady(brief, topic, self.cancel_requested))

    async def on_main_screen_brief_ready(self, msg: BriefReady) -> None:
        self.busy = ""
        if msg.cancelled:
            self.answer_view.show_error("Briefing cancelled", "Press b to brief again.")
            await self.sources.show([])
            self.set_status("Cancelled")
            return
        self.answer_view.show_brief(msg.brief, msg.topic)
        self.query_one("#answer-pane", VerticalScroll).scroll_home(animate=False)
        await self.sources.show(brief_citations(msg.brief))
        self.session.append(("brief", msg.brief, msg.topic or "(newest articles)"))
        self.set_status("")
        self._settle_focus()
        self.post_message(self.Shown("brief", msg.brief))

    # -- actions --------------------------------------------------------------------------------
    def action_focus_question(self) -> None:
        self.question.focus()

    def action_cancel(self) -> None:
        if self.busy:
            self.cancel_requested = True
            self.app.cancel_generation()
            self._set_busy_status("Cancelling…")
        elif self.app.focused is self.question:
            target = self.sources.list if self.sources.list.children else self.query_one("#answer-pane")
            target.focus()

    def action_toggle_unchecked(self) -> None:
        self.keep_unsupported = not self.keep_unsupported
        self.notify("Sentences that fail the check will be shown, flagged." if self.keep_unsupported
                    else "Sentences that fail the check will be left out.")


class NewsbotApp(App):
    """Holds the shared services (index, answerer, briefer, history), opened lazily and
    thread-safely; the screens do the rest."""

    CSS_PATH = "app.tcss"
    TITLE = "newsbot"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, settings, answerer=None, briefer=None, index=None, history=None, *, cursor_blink: bool = True):
        super().__init__()
        from bot.core.session import Services

        self.settings = settings
        # one Services for everything the screens do: the index, model and history are opened once
        # and the answerer and briefer take turns with the model (a given answerer brings its own)
        self.services = answerer.services if answerer is not None else Services(settings, index=index, history=history)
        self._answerer = answerer
        self._briefer = briefer
        self._lock = threading.RLock()
        self.cursor_blink = cursor_blink

    @property
    def model_label(self) -> str:
        model = self.services.loaded_model
        name = model.name if model is not None else None
        if name:
            return name
        return f"{self.settings.chat_model}@{self.settings.llm_url}" if self.settings.llm_url else self.settings.chat_model

    def get_default_screen(self) -> Screen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("main screen not mounted")

    # -- services (called from worker threads) -------------------------------------------------
    def get_index(self):
        return self.services.index

    def get_answerer(self):
        with self._lock:
            if self._answerer is None:
                from bot.core.answering import Answerer

                self._answerer = Answerer(self.settings, services=self.services)
            return self._answerer

    def get_briefer(self):
        with self._lock:
            if self._briefer is None:
                try:
                    from bot.core.briefing import Briefer
                except ImportError:
                    raise NewsbotError("Briefings not available",
                                       "this build of newsbot has no briefing module yet; ask a question instead.") from None
                self._briefer = Briefer(self.settings, services=self.services)
            return self._briefer

    def get_history(self):
        return self.services.history

    def cancel_generation(self) -> None:
        """Stop the answer or briefing in progress (safe from any thread)."""
        self.services.cancel()
        if self._briefer is not None:  # a briefer given from outside may have its own services
            self._briefer.cancel()

    def check_index(self) -> None:
        self.main.check_index()

    async def action_quit(self) -> None:
        self.cancel_generation()  # a generating worker thread stops at its next token
        self.exit()


def build_app(settings, answerer=None, briefer=None, index=None, *, history=None, cursor_blink: bool = True) -> NewsbotApp:
    """The one way to build the TUI, for the CLI and the tests."""
    return NewsbotApp(settings, answerer=answerer, briefer=briefer, index=index, history=history,
                      cursor_blink=cursor_blink)
