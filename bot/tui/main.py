"""The main screen: the question box on top; the answer (and its checks) on the left, its cited
passages on the right. Asking and briefing are in `bot.tui.running`, the other screens and the
sources in `bot.tui.navigation`.

Focus rule: after anything settles (an answer, a refusal, a briefing, an error, a cancel, a
reopened history entry) focus goes to the Sources list, so single keys act and never type into
the question box; `/` goes back to the box. The one exception: a reader already typing the next
question keeps the box."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input

from bot.core.types import Answer
from bot.tui.navigation import SourcesAndScreens
from bot.tui.render import answer_plain, brief_plain, plural, source_plain
from bot.tui.running import Runs
from bot.tui.screens import describe
from bot.tui.widgets import (
    AnswerView, BriefExtras, QuestionBox, SourcesPane, StatusLine, brief_citations, why_no_sources,
)

EXAMPLE = "Which officials were sanctioned?"


class MainScreen(Runs, SourcesAndScreens, Screen):
    BINDINGS = [
        Binding("slash", "focus_question", "Ask", id="newsbot.ask"),
        Binding("escape", "cancel", "Cancel", id="newsbot.cancel"),
        Binding("1", "select_citation(1)", "Source", key_display="1-9", id="newsbot.source-1"),
        *[Binding(str(i), f"select_citation({i})", f"Source {i}", show=False, id=f"newsbot.source-{i}")
          for i in range(2, 10)],
        Binding("o", "open_article", "Open", id="newsbot.open"),
        Binding("c", "copy_answer", "Copy", id="newsbot.copy"),
        Binding("y", "copy_passage", "Copy passage", show=False, id="newsbot.copy-passage"),
        Binding("b", "brief", "Brief", id="newsbot.brief"),
        Binding("u", "toggle_unchecked", "Unchecked", show=False, id="newsbot.unchecked"),
        Binding("t", "new_thread", "New thread", show=False, id="newsbot.new-thread"),
        Binding("l", "library", "Library", id="newsbot.library"),
        Binding("s", "stories", "Stories", show=False, id="newsbot.stories"),  # in the help and the palette
        Binding("h", "history", "History", id="newsbot.history"),
        Binding("question_mark", "help", "Help", id="newsbot.help"),
        Binding("q", "app.quit", "Quit", show=False, id="newsbot.quit"),  # in the help; the footer fits 80 columns
    ]

    # -- messages posted by the workers (`run`: the Run they belong to, bot.tui.running) -------
    @dataclass
    class IndexChecked(Message, bubble=False):
        articles: int
        chunks: int

    @dataclass
    class AnswerReady(Message, bubble=False):
        answer: Answer
        run: Any = None

    @dataclass
    class BriefReady(Message, bubble=False):
        brief: Any
        topic: str | None
        cancelled: bool = False
        run: Any = None

    @dataclass
    class WorkFailed(Message, bubble=False):
        task: str  # "ask" | "brief" | "index"
        title: str
        message: str
        run: Any = None

    @dataclass
    class Shown(Message, bubble=False):
        """An answer or briefing has settled on screen (with its sources)."""

        kind: str
        item: Any

    def __init__(self) -> None:
        super().__init__()
        self.run = None
        self.keep_unsupported = False
        self.session: list = []  # SessionEntry of every run of this session, cancelled ones included
        # questions asked in a row form a thread: each is a follow-up of the ones before ("t" starts anew)
        self.thread: list[Answer] = []
        self.thread_root: int | None = None  # history id of the thread's first answer
        self.shown: tuple[str, Any] | None = None  # what the answer pane shows: ("ask", Answer) | ("brief", Brief)
        self.shown_count = 0  # answers and briefings settled on screen so far
        self.index_counts: tuple[int, int] | None = None
        self.model_name = ""

    def compose(self) -> ComposeResult:
        yield QuestionBox(placeholder=f"Ask, e.g. {EXAMPLE} (Enter asks; Esc leaves the box)", id="question")
        with Horizontal(id="main"):
            with VerticalScroll(id="answer-pane"):
                yield AnswerView(id="answer")
                yield BriefExtras(id="brief-extras")
            yield SourcesPane(id="sources-pane")
        yield StatusLine("", id="status")
        yield Footer(compact=True)

    @property
    def answer_view(self) -> AnswerView:
        return self.query_one(AnswerView)

    @property
    def brief_extras(self) -> BriefExtras:
        return self.query_one(BriefExtras)

    @property
    def sources(self) -> SourcesPane:
        return self.query_one(SourcesPane)

    @property
    def question(self) -> QuestionBox:
        return self.query_one("#question", QuestionBox)

    def on_mount(self) -> None:
        self.question.cursor_blink = self.app.cursor_blink
        self.query_one("#answer-pane").border_title = "Answer"
        self.answer_view.notice(Text.assemble(
            "Type a question about the indexed articles and press Enter, e.g. “",
            (EXAMPLE, "italic"), "”\n\nEach sentence of the answer is checked against the passage it cites; "
            "the cited passages appear on the right.\n\n", ("Esc", "bold"), " leaves the question box; then ",
            ("1-9", "bold"), " select a source, ", ("o", "bold"), " opens its article, ", ("c", "bold"),
            " copies, ", ("b", "bold"), " briefs, ", ("l", "bold"), " opens the library, ", ("Ctrl+P", "bold"),
            " lists every action, ", ("?", "bold"), " shows all keys."))
        self.set_status("Opening the index…")
        self.question.focus()
        self.check_index()

    # -- status --------------------------------------------------------------------------------
    def set_status(self, text: str) -> None:
        parts = [text] if text else []  # first: what is happening (and "Esc cancels") is never cut off
        if self.index_counts is not None:
            parts.append(f"{plural(self.index_counts[0], 'article')}, {plural(self.index_counts[1], 'chunk')}")
        parts.append(f"model {self.model_name or self.app.model_label}")
        self.query_one(StatusLine).update(" · ".join(parts))
        self.refresh_bindings()  # Esc shows in the footer only while it does something

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
            if not self.question.value:
                self.settle_focus()  # so "l" opens the library instead of typing into the box

    # -- asking (the runs themselves: bot.tui.running) ------------------------------------------
    @on(Input.Submitted, "#question")
    async def _submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if question:
            self.question.asked = question
            await self.ask(question)

    def _continue_thread(self, answer: Answer) -> None:
        self.thread.append(answer)
        if self.thread_root is None:
            try:
                self.thread_root = self.app.get_history().latest_ask()
            except Exception:  # noqa: BLE001 - a thread without a saved root still works on screen
                self.thread_root = None
        self.show_thread()

    def show_thread(self) -> None:
        pane = self.query_one("#answer-pane")
        pane.border_title = (f"Answer · thread of {len(self.thread)}: "
                             + " → ".join(a.question[:24] for a in self.thread[-3:]) + " (t: new thread)"
                             if len(self.thread) > 1 else "Answer")

    def action_new_thread(self) -> None:
        self.thread, self.thread_root = [], None
        self.show_thread()
        self.notify("New thread: the next question stands alone.")

    async def show_item(self, kind: str, item: Any) -> None:
        """Show an answer or a briefing with its sources, then settle focus."""
        self.shown = (kind, item)
        if kind == "brief":
            self.answer_view.show_brief(item, item.topic)
            await self.brief_extras.show(item)
            await self.sources.show(brief_citations(item), "Sources", "This briefing cites no passage.")
        else:
            self.answer_view.show_answer(item)
            await self.brief_extras.show(None)
            await self.sources.show(item.citations, "Sources", why_no_sources(item))
        self.query_one("#answer-pane", VerticalScroll).scroll_home(animate=False)
        self.settle_focus()
        self.shown_count += 1
        self.post_message(self.Shown(kind, item))

    def settle_focus(self, force: bool = False) -> None:
        q = self.question
        asked = self.run.label if self.run is not None else ""
        if not force and self.app.focused is q and q.value.strip() and q.value.strip() != asked:
            return  # the reader is typing the next question: leave the box to them
        if self.screen_active():
            self.sources.list.focus()

    def screen_active(self) -> bool:
        return self.app.screen is self

    # -- actions --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """Esc is in the footer only where it does something (a run to cancel, the box to leave),
        which keeps the footer within 80 columns."""
        if action == "cancel":
            return bool(self.busy) or self.app.focused is self.question
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_focus_question(self) -> None:
        self.question.focus()

    def action_toggle_unchecked(self) -> None:
        self.keep_unsupported = not self.keep_unsupported
        self.notify("Sentences that fail the check will be shown, flagged." if self.keep_unsupported
                    else "Sentences that fail the check will be left out.")

    def action_copy_answer(self) -> None:
        if self.shown is None:
            self.notify("Nothing to copy yet: ask a question first.", severity="warning")
            return
        kind, item = self.shown
        text = brief_plain(item) if kind == "brief" else answer_plain(item)
        self.app.copy_to_clipboard(text)
        n = len(item.citations)
        self.notify(f"Copied the {'briefing' if kind == 'brief' else 'answer'} with {plural(n, 'source')} as plain text.")

    def action_copy_passage(self) -> None:
        c = self.sources.list.selected
        if c is None:
            self.notify("Select a source first (1-9 or the arrows in the Sources pane).", severity="warning")
            return
        self.app.copy_to_clipboard(source_plain(c))
        self.notify(f"Copied passage [{c.n}] with its quote and file.")
