"""The library: the indexed articles, filtered live by outlet, dates and words (of the title, or
anywhere in the text through the keyword index); ingest a path (with an outlet and a date) with progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, ProgressBar, Static

from bot.core.types import ArticleRecord
from bot.text import given_date
from bot.tui.render import plural
from bot.tui.screens import Failed
from bot.tui.screens.article import ArticleScreen

LIVE_DELAY = 0.25  # seconds of quiet typing before a filter applies
# fixed columns (the title takes what is left and wraps): label, width
FIXED = (("date", 10), ("outlet", 10), ("file", 14), ("story", 7))  # story: its id's first 7 characters


def match_words(rows: list[ArticleRecord], words: str, text_hits: list[str]) -> list[ArticleRecord]:
    """Articles whose title holds every word, then those the keyword index found the words in."""
    terms = words.lower().split()
    by_title = [r for r in rows if all(t in (r.title or "").lower() for t in terms)]
    seen = {r.id for r in by_title}
    ids = {r.id: r for r in rows}
    return by_title + [ids[a] for a in dict.fromkeys(text_hits) if a in ids and a not in seen]


class ArticleTable(DataTable):
    """The articles; Enter opens the one under the cursor (shown in the footer)."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="library.open-row")]


class LibraryScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="library.back"),
        Binding("ctrl+f", "search", "Search", id="library.search"),
        Binding("ctrl+r", "refresh", "Refresh", id="library.refresh"),
    ]

    @dataclass
    class ArticlesLoaded(Message, bubble=False):
        articles: list[ArticleRecord]
        words: str = ""

    @dataclass
    class IngestProgress(Message, bubble=False):
        done: int
        total: int
        name: str

    @dataclass
    class Ingested(Message, bubble=False):
        report: dict

    ingest_note = ""

    def compose(self) -> ComposeResult:
        yield Static("Library: filters apply as you type; Enter opens an article", id="library-title")
        with Horizontal(id="library-filters"):
            yield Input(placeholder="title or words", id="filter-words")
            yield Input(placeholder="outlet", id="filter-outlet")
            yield Input(placeholder="since YYYY-MM-DD", id="filter-since")
            yield Input(placeholder="until YYYY-MM-DD", id="filter-until")
        yield ArticleTable(id="articles", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="ingest-row"):
            yield Input(placeholder="ingest a file or folder: path, then Enter", id="ingest-path")
            yield Input(placeholder="its outlet (optional)", id="ingest-outlet")
            yield Input(placeholder="its date, YYYY-MM-DD (optional)", id="ingest-date")
            yield ProgressBar(id="ingest-progress", show_eta=False)
        yield Static("", id="library-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._timer = None
        self._columns()
        self.action_refresh()
        self.query_one(DataTable).focus()

    def _title_width(self) -> int:
        # the table's width less the fixed columns, the cell padding (2 each) and the scrollbar
        width = self.size.width or self.app.size.width
        return max(16, width - sum(w for _l, w in FIXED) - 2 * (len(FIXED) + 1) - 3)

    def _columns(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("date", width=10, key="date")
        table.add_column("outlet", width=10, key="outlet")
        table.add_column("title", width=self._title_width(), key="title")
        table.add_column("file", width=14, key="file")
        table.add_column("story", width=7, key="story")

    def on_resize(self) -> None:
        if getattr(self, "_rows", None) is not None and self._title_width() != self.query_one(DataTable).columns["title"].width:
            self._columns()
            self._fill(self._rows)

    def filters(self) -> dict[str, str | None]:
        vals = {k: self.query_one(f"#filter-{k}", Input).value.strip() or None for k in ("outlet", "since", "until")}
        return {"source": vals["outlet"], "since": vals["since"], "until": vals["until"]}

    @property
    def words(self) -> str:
        return self.query_one("#filter-words", Input).value.strip()

    def action_refresh(self) -> None:
        self.query_one("#library-status", Static).update("Loading…")
        self.load_articles(self.words, **self.filters())

    def action_search(self) -> None:
        self.query_one("#filter-words", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="library")
    def load_articles(self, words: str, source: str | None, since: str | None, until: str | None) -> None:
        try:
            index = self.app.get_index()
            # no index yet is an empty library (ingest from here); a damaged one is an error
            rows = index.articles(source=source, since=since, until=until) if index.open().exists() else []
            if words and rows:
                hits = index.search(words, k=50, source=source, since=since, until=until, mode="keyword")
                rows = match_words(rows, words, [p.article_id for p in hits])
        except Exception as exc:  # noqa: BLE001
            self.post_message(Failed.of(exc))
            return
        self.post_message(self.ArticlesLoaded(rows, words))

    def on_library_screen_articles_loaded(self, msg: ArticlesLoaded) -> None:
        self._rows = msg.articles
        self._fill(msg.articles)
        status = plural(len(msg.articles), "article")
        if not msg.articles:
            status = ("No article matches the filters." if any(self.filters().values()) or msg.words
                      else "The index is empty: type a folder below (e.g. seeds/) and press Enter to ingest it.")
        if self.ingest_note:
            status = f"{self.ingest_note} · {status}"
        self.query_one("#library-status", Static).update(status)

    def _fill(self, rows: list[ArticleRecord]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for a in rows:
            files = a.file or ", ".join(a.files)
            short = files if len(files) <= 14 else files[:13] + "…"
            # the whole title, wrapped in its column (height=None: as many lines as it needs)
            table.add_row(a.date or "", a.outlet or "", Text(a.title or "", overflow="fold"), short,
                          (a.story or "")[:7], key=a.id, height=None)

    def on_failed(self, msg: Failed) -> None:
        self.query_one("#library-status", Static).update(msg.text())

    @on(Input.Changed, "#filter-words,#filter-outlet,#filter-since,#filter-until")
    def _filter_changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(LIVE_DELAY, self.action_refresh)

    @on(Input.Submitted, "#filter-words,#filter-outlet,#filter-since,#filter-until")
    def _filter_submitted(self) -> None:
        self.action_refresh()
        self.query_one(DataTable).focus()

    @on(Input.Submitted, "#ingest-path,#ingest-outlet,#ingest-date")
    def _ingest(self) -> None:
        path = self.query_one("#ingest-path", Input).value.strip()
        if not path:
            self.query_one("#ingest-path", Input).focus()
            return
        p = Path(path).expanduser()
        if not p.exists():
            self.query_one("#library-status", Static).update(
                Text(f"No such file or folder: {p}. Type an existing path.", style="bold red"))
            return
        outlet = self.query_one("#ingest-outlet", Input).value.strip() or None
        try:  # a bad date is one line here, and nothing is ingested
            date = given_date(self.query_one("#ingest-date", Input).value)
        except ValueError as exc:
            self.query_one("#library-status", Static).update(Text(f"Bad date: {exc}.", style="bold red"))
            self.query_one("#ingest-date", Input).focus()
            return
        self.query_one("#library-status", Static).update(f"Ingesting {p}…")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.ingest(p, outlet, date)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ingest")
    def ingest(self, path: Path, outlet: str | None = None, date: str | None = None) -> None:
        def progress(done: int, total: int, name: str) -> None:
            self.post_message(self.IngestProgress(done, total, name))

        try:
            report = self.app.get_index().ingest([path], outlet=outlet, progress=progress, date=date)
        except Exception as exc:  # noqa: BLE001
            self.post_message(Failed.of(exc))
            return
        self.post_message(self.Ingested(report.to_json()))

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
        self.load_articles(self.words, **self.filters())
        self.app.check_index()
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        row = event.data_table.get_row(event.row_key)
        title = row[2].plain if isinstance(row[2], Text) else str(row[2])
        self.app.push_screen(ArticleScreen(str(event.row_key.value), title=title))
