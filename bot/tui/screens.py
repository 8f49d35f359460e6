"""Screens of the newsbot TUI: an article (scrolled to a quote), the library (filters, ingest
with progress), the history, and help. Slow work runs in thread workers that post messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from bot.core.types import ArticleRecord, Brief
from bot.errors import NewsbotError
from bot.tui.widgets import ArticleBody, find_quote


def describe(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, NewsbotError):
        return exc.title, exc.message
    return "Unexpected error", f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------------------------
class ArticleScreen(Screen):
    """The whole article, the quoted span highlighted and scrolled into view."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="article.back"),
    ]

    @dataclass
    class Loaded(Message, bubble=False):
        article: ArticleRecord
        span: tuple[int, int] | None

    @dataclass
    class Failed(Message, bubble=False):
        title: str
        message: str

    def __init__(self, article_id: str, *, quote: str = "", start: int | None = None, end: int | None = None,
                 title: str = "", n: int | None = None) -> None:
        super().__init__()
        self.article_id = article_id
        self.quote = quote
        self.start = start
        self.end = end
        self.article_title = title
        self.n = n
        self.span: tuple[int, int] | None = None

    def compose(self) -> ComposeResult:
        label = f"[{self.n}] " if self.n else ""
        yield Static(Text(label + (self.article_title or self.article_id), style="bold"), id="article-title")
        yield Static("Loading the article…", id="article-meta")
        yield ArticleBody(id="article-body")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            article = self.app.get_index().article(self.article_id)
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(self.Failed(*describe(exc)))
            return
        text = article.text or ""
        span = find_quote(text, self.quote, self.start, self.end) if self.quote else None
        self.post_message(self.Loaded(article, span))

    async def on_article_screen_loaded(self, msg: Loaded) -> None:
        a = msg.article
        self.span = msg.span
        if a.title:
            label = f"[{self.n}] " if self.n else ""
            self.query_one("#article-title", Static).update(Text(label + a.title, style="bold"))
        meta = " · ".join(str(x) for x in (a.outlet, a.date, a.file) if x)
        if self.quote and msg.span is None:
            meta += "  (the quoted span was not found in this article)"
        self.query_one("#article-meta", Static).update(Text(meta, style="dim"))
        body = self.query_one(ArticleBody)
        target = await body.show(a.text or "", msg.span)
        body.focus()
        if target is not None:
            self.call_after_refresh(body.scroll_to_widget, target, top=True, animate=False)

    def on_article_screen_failed(self, msg: Failed) -> None:
        self.query_one("#article-meta", Static).update(Text(f"{msg.title}: {msg.message}", style="bold red"))


# --------------------------------------------------------------------------------------------
class LibraryScreen(Screen):
    """The indexed articles with outlet/date filters; ingest a path with progress."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="library.back"),
        Binding("ctrl+r", "refresh", "Refresh", id="library.refresh"),
    ]

    @dataclass
    class ArticlesLoaded(Message, bubble=False):
        articles: list[ArticleRecord]

    @dataclass
    class IngestProgress(Message, bubble=False):
        done: int
        total: int
        name: str

    @dataclass
    class Ingested(Message, bubble=False):
        report: dict

    @dataclass
    class Failed(Message, bubble=False):
        title: str
        message: str

    ingest_note = ""

    def compose(self) -> ComposeResult:
        yield Static("Library", id="library-title")
        with Horizontal(id="library-filters"):
            yield Input(placeholder="outlet", id="filter-outlet")
            yield Input(placeholder="since YYYY-MM-DD", id="filter-since")
            yield Input(placeholder="until YYYY-MM-DD", id="filter-until")
        yield DataTable(id="articles", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="ingest-row"):
            yield Input(placeholder="ingest a file or folder: path, then Enter", id="ingest-path")
            yield ProgressBar(id="ingest-progress", show_eta=False)
        yield Static("", id="library-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in (("date", 10), ("outlet", 14), ("title", 44), ("chunks", 6), ("file", None)):
            table.add_column(label, width=width)
        self.action_refresh()
        table.focus()

    def filters(self) -> dict[str, str | None]:
        vals = {k: self.query_one(f"#filter-{k}", Input).value.strip() or None for k in ("outlet", "since", "until")}
        return {"source": vals["outlet"], "since": vals["since"], "until": vals["until"]}

    def action_refresh(self) -> None:
        self.query_one("#library-status", Static).update("Loading…")
        self.load_articles(**self.filters())

    @work(thread=True, exclusive=True, exit_on_error=False, group="library")
    def load_articles(self, source: str | None, since: str | None, until: str | None) -> None:
        try:
            index = self.app.get_index()
            # no index yet is an empty library (ingest from here); a damaged one is an error
            rows = index.articles(source=source, since=since, until=until) if index.open().exists() else []
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed(*describe(exc)))
            return
        self.post_message(self.ArticlesLoaded(rows))

    def on_library_screen_articles_loaded(self, msg: ArticlesLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for a in msg.articles:
            files = a.file or ", ".join(a.files)
            title = a.title or ""
            title = title if len(title) <= 44 else title[:43] + "…"
            table.add_row(a.date or "", a.outlet or "", title, str(a.chunks), files, key=a.id)
        status = f"{len(msg.articles)} article(s)"
        if not msg.articles:
            f = self.filters()
            status = ("No article matches the filters." if any(f.values())
                      else "The index is empty: type a folder below (e.g. seeds/) and press Enter to ingest it.")
        if self.ingest_note:
            status = f"{self.ingest_note} · {status}"
        self.query_one("#library-status", Static).update(status)

    def on_library_screen_failed(self, msg: Failed) -> None:
        self.query_one("#library-status", Static).update(Text(f"{msg.title}: {msg.message}", style="bold red"))

    @on(Input.Submitted, "#filter-outlet,#filter-since,#filter-until")
    def _filter(self) -> None:
        self.action_refresh()

    @on(Input.Submitted, "#ingest-path")
    def _ingest(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if not path:
            return
        p = Path(path).expanduser()
        if not p.exists():
            self.query_one("#library-status", Static).update(
                Text(f"No such file or folder: {p}. Type an existing path.", style="bold red"))
            return
        self.query_one("#library-status", Static).update(f"Ingesting {p}…")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.ingest(p)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ingest")
    def ingest(self, path: Path) -> None:
        def progress(done: int, total: int, name: str) -> None:
            self.post_message(self.IngestProgress(done, total, name))

        try:
            report = self.app.get_index().ingest([path], progress=progress)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Failed(*describe(exc)))
            return
        data = report.to_json()
        self.post_message(self.Ingested(data))

    def on_library_screen_ingest_progress(self, msg: IngestProgress) -> None:
        self.query_one(ProgressBar).update(total=max(msg.total, 1), progress=msg.done)
        self.query_one("#library-status", Static).update(f"Ingesting {msg.done}/{msg.total}: {msg.name}")

    def on_library_screen_ingested(self, msg: Ingested) -> None:
        r = msg.report
        bar = self.query_one(ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        parts = [f"{k.replace('_', ' ')}: {v if not isinstance(v, list) else len(v)}"
                 for k, v in r.items() if isinstance(v, (int, list)) and not isinstance(v, bool)]
        self.ingest_note = "Ingest done: " + ", ".join(parts[:6])
        self.query_one("#library-status", Static).update(self.ingest_note)
        self.query_one("#ingest-path", Input).value = ""
        self.load_articles(**self.filters())
        self.app.check_index()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        row = event.data_table.get_row(event.row_key)
        self.app.push_screen(ArticleScreen(str(event.row_key.value), title=str(row[2])))


# --------------------------------------------------------------------------------------------
class HistoryScreen(Screen):
    """Earlier questions and briefings: this session first, then the saved history.
    Selecting one reopens it (dismisses with ("ask"|"brief", object))."""

    BINDINGS = [Binding("escape", "dismiss_none", "Back", id="history.back")]

    @dataclass
    class Loaded(Message, bubble=False):
        saved: list[dict]
        error: str = ""

    @dataclass
    class Reopen(Message, bubble=False):
        kind: str
        item: Any

    def __init__(self, session: list[tuple[str, Any, str]]) -> None:
        super().__init__()
        self.session = session  # (kind, object, label)
        self.saved: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Static("History: Enter reopens an answer", id="history-title")
        yield OptionList(id="history-list")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.load()
        self.query_one(OptionList).focus()

    def _fill(self) -> None:
        ol = self.query_one(OptionList)
        ol.clear_options()
        opts: list[Option | None] = []
        if self.session:
            opts.append(Option(Text("This session", style="bold"), disabled=True))
            for i, (kind, _obj, label) in enumerate(reversed(self.session)):
                opts.append(Option(f"{'brief' if kind == 'brief' else 'ask  '}  {label}", id=f"s{len(self.session) - 1 - i}"))
        session_labels = {label for _k, _o, label in self.session}
        saved = [e for e in self.saved if e.get("question") not in session_labels]
        if saved:
            opts.append(Option(Text("Saved", style="bold"), disabled=True))
            for e in saved:
                flag = " (refused)" if e.get("refused") else ""
                opts.append(Option(f"{e.get('created', '')}  {e.get('kind', 'ask'):5}  {e.get('question') or '(newest articles)'}{flag}",
                                   id=f"h{e['id']}"))
        if not opts:
            opts.append(Option("No questions yet.", disabled=True))
        ol.add_options(opts)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            saved = self.app.get_history().list(50)
        except Exception as exc:  # noqa: BLE001
            self.post_message(self.Loaded([], " ".join(describe(exc))))
            return
        self.post_message(self.Loaded(saved))

    def on_history_screen_loaded(self, msg: Loaded) -> None:
        self.saved = msg.saved
        self._fill()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if oid.startswith("s"):
            kind, obj, _label = self.session[int(oid[1:])]
            self.dismiss((kind, obj))
        elif oid.startswith("h"):
            self.fetch(int(oid[1:]))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def fetch(self, entry_id: int) -> None:
        hist = self.app.get_history()
        try:
            obj = hist.get(entry_id)  # an Answer or a Brief, as the row's kind says
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.app.notify, " ".join(describe(exc)), severity="error")
            return
        kind = "brief" if isinstance(obj, Brief) else "ask"
        self.app.call_from_thread(self.dismiss, (kind, obj))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------------------------
HELP = """\
newsbot answers from the indexed articles. Every sentence is checked
against the passage it cites; the sources are listed on the right.

  /          type a question (Enter asks it)
  Esc        cancel the answer in progress; leave the question box
  1-9        select source n (also: click a marker, or the arrows)
  Tab        move between the question, the answer and the sources
  Enter, o   open the selected source's article at the quoted span
  b          brief the topic in the question box, or the newest news
  u          also show sentences that failed the check (flagged)
  l          library: filter articles, ingest a file or folder
  h          history: reopen an earlier answer
  ?          this help
  q          quit (Ctrl+Q quits even while typing)

Sentences marked "⚠ unchecked" are not supported by any passage.
Errors say what to do, e.g. `newsbot models pull` for a missing
model, or l and a folder path to fill an empty index.
"""


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("Help", id="help-title")
            with VerticalScroll():
                yield Static(HELP, id="help-text")
            yield Label("Esc closes", id="help-foot")
