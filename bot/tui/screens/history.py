"""Earlier questions and briefings: this session's first (cancelled runs included), then the saved
history. Selecting one reopens it with its thread: the screen dismisses with a `SessionEntry`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from bot.core.types import Answer, Brief
from bot.tui.screens import describe


@dataclass
class SessionEntry:
    """One run of this session (or one reopened from the history): an Answer or a Brief, the
    thread of answers it closes (oldest first, itself included) and the thread's saved first id."""

    kind: str  # "ask" | "brief"
    item: Any  # Answer | Brief | None (a briefing cancelled before it had anything)
    label: str
    thread: list[Answer] = field(default_factory=list)
    root: int | None = None
    cancelled: bool = False


class HistoryList(OptionList):
    """The entries; Enter reopens the highlighted one (shown in the footer)."""

    BINDINGS = [Binding("enter", "select", "Reopen with its thread", id="history.reopen")]


class HistoryScreen(Screen):
    BINDINGS = [Binding("escape", "dismiss_none", "Back", id="history.back")]

    @dataclass
    class Loaded(Message, bubble=False):
        saved: list[dict]
        error: str = ""

    def __init__(self, session: list[SessionEntry]) -> None:
        super().__init__()
        self.session = session
        self.saved: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static("History: Enter reopens an answer and its thread", id="history-title")
        yield HistoryList(id="history-list")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill()
        self.load()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        opts: list[Option] = []
        if self.session:
            opts.append(Option(Text("This session", style="bold"), disabled=True))
            for i in reversed(range(len(self.session))):
                e = self.session[i]
                flag = " (cancelled)" if e.cancelled else (" (refused)" if isinstance(e.item, Answer) and e.item.refused else "")
                follow = "  ↳" if len(e.thread) > 1 else ""
                opts.append(Option(f"{'brief' if e.kind == 'brief' else 'ask  '}{follow}  {e.label}{flag}", id=f"s{i}"))
        session_labels = {e.label for e in self.session}
        saved = [e for e in self.saved if e.get("question") not in session_labels]
        if saved:
            opts.append(Option(Text("Saved", style="bold"), disabled=True))
            for e in saved:
                flag = " (refused)" if e.get("refused") else ""
                follow = " ↳" if e.get("conversation") else ""
                opts.append(Option(f"{e.get('created', '')}  {e.get('kind', 'ask'):5}{follow}  "
                                   f"{e.get('question') or '(newest articles)'}{flag}", id=f"h{e['id']}"))
        if not opts:
            opts.append(Option("No questions yet.", disabled=True))
        ol.add_options(opts)
        # the first entry is highlighted: Enter reopens it without an arrow key first
        first = next((i for i, o in enumerate(opts) if not o.disabled), None)
        if first is not None:
            ol.highlighted = first

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            saved = self.app.get_history().list(50)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Loaded([], " ".join(describe(exc))))
            return
        self.post_message(self.Loaded(saved))

    def on_history_screen_loaded(self, msg: Loaded) -> None:
        ol = self.query_one(OptionList)
        keep = ol.highlighted if self.saved else None  # the reader may have moved already
        self.saved = msg.saved
        self._fill()
        if keep is not None and keep < ol.option_count:
            ol.highlighted = keep
        if msg.error:
            self.notify(msg.error, severity="error")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if oid.startswith("s"):
            self.dismiss(self.session[int(oid[1:])])
        elif oid.startswith("h"):
            self.fetch(int(oid[1:]))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def fetch(self, entry_id: int) -> None:
        hist = self.app.get_history()
        try:
            obj = hist.get(entry_id)  # an Answer or a Brief, as the row's kind says
            if isinstance(obj, Brief):
                entry = SessionEntry("brief", obj, obj.topic or "(newest articles)")
            else:
                root, answers = hist.thread(entry_id)
                # the thread up to this answer: a follow-up asked next continues from here
                upto = answers[: next((i + 1 for i, a in enumerate(answers) if a.to_json() == obj.to_json()), len(answers))]
                entry = SessionEntry("ask", obj, obj.question, thread=upto, root=root)
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.app.notify, " ".join(describe(exc)), severity="error")
            return
        self.app.call_from_thread(self.dismiss, entry)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
