"""Stories: the articles grouped by event (bot.core.stories), filtered live by words; Enter shows a
story's timeline (bot.core.timeline): its events in order, each a quoted sentence with its date
and file; Enter on an event opens the article at that sentence. Both load in thread workers."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from bot.tui.render import plural
from bot.tui.screens import Failed
from bot.tui.screens.article import ArticleScreen

UNDATED = "undated, in ingest order"


def date_span(first: str | None, last: str | None) -> str:
    """"2021-03-22", "2021-03-15–03-22" (one year), "2021-12-30–2022-01-02", or "undated"."""
    if not first:
        return "undated"
    if not last or last == first:
        return first
    return f"{first}–{last[5:]}" if first[:4] == last[:4] else f"{first}–{last}"


def fit_width(screen: Screen, fixed: tuple[int, ...]) -> int:
    """The width left for the one wrapping column: the screen less the fixed columns, the cell
    padding (2 each) and the scrollbar."""
    width = screen.size.width or screen.app.size.width
    return max(16, width - sum(fixed) - 2 * (len(fixed) + 1) - 3)


def story_matches(story, words: str) -> bool:
    """Every word in the story's headline, outlets, id or an article's title."""
    hay = " ".join([story.id, story.headline, *story.outlets, *(a.get("title") or "" for a in story.articles)]).lower()
    return all(w in hay for w in words.lower().split())


class RowTable(DataTable):
    """A table whose Enter (shown in the footer) selects the row under the cursor."""

    BINDINGS = [Binding("enter", "select_cursor", "Open", id="stories.open-row")]


class StoriesScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="stories.back"),
        Binding("ctrl+f", "search", "Filter", id="stories.filter"),
        Binding("ctrl+r", "refresh", "Refresh", id="stories.refresh"),
    ]
    FIXED = (16, 4, 4, 14)  # dates, articles, reports, outlets; the headline takes the rest

    @dataclass
    class Loaded(Message, bubble=False):
        stories: list

    def __init__(self) -> None:
        super().__init__()
        self.stories: list | None = None

    def compose(self) -> ComposeResult:
        yield Static("Stories: arts = articles, reps = independent reports; Enter shows the timeline",
                     id="stories-title")
        yield Input(placeholder="filter: words of the headline, an outlet or a title", id="stories-filter")
        yield RowTable(id="stories", cursor_type="row", zebra_stripes=True)
        yield Static("Loading…", id="stories-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._columns()
        self.action_refresh()
        self.query_one(DataTable).focus()

    def _columns(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        dates, arts, reps, outlets = self.FIXED
        table.add_column("headline", width=fit_width(self, self.FIXED), key="headline")
        table.add_column("dates", width=dates, key="dates")
        table.add_column("arts", width=arts, key="arts")
        table.add_column("reps", width=reps, key="reps")
        table.add_column("outlets", width=outlets, key="outlets")

    def on_resize(self) -> None:
        if self.stories is not None and fit_width(self, self.FIXED) != self.query_one(DataTable).columns["headline"].width:
            self._columns()
            self._fill()

    def action_refresh(self) -> None:
        self.query_one("#stories-status", Static).update("Loading…")
        self.load()

    def action_search(self) -> None:
        self.query_one("#stories-filter", Input).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="stories")
    def load(self) -> None:
        from bot.core.stories import list_stories

        try:
            index = self.app.get_index()
            stories = list_stories(index) if index.open().exists() and index.counts()[0] else []
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(Failed.of(exc))
            return
        self.post_message(self.Loaded(stories))

    def on_stories_screen_loaded(self, msg: Loaded) -> None:
        self.stories = msg.stories
        self._fill()

    def on_failed(self, msg: Failed) -> None:
        self.query_one("#stories-status", Static).update(msg.text())

    @property
    def words(self) -> str:
        return self.query_one("#stories-filter", Input).value.strip()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        shown = [s for s in self.stories or [] if story_matches(s, self.words)]
        for s in shown:
            table.add_row(Text(s.headline, overflow="fold"), Text(date_span(s.first_date, s.last_date)),
                          str(len(s.articles)), str(s.reports), Text(", ".join(s.outlets) or "—", overflow="fold"),
                          key=s.id, height=None)
        status = plural(len(shown), "story", "stories")
        if not self.stories:
            status = "No stories: the index is empty (ingest from the library, l on the main screen)."
        elif not shown:
            status = "No story matches the filter."
        self.query_one("#stories-status", Static).update(status)

    @on(Input.Changed, "#stories-filter")
    def _filter_changed(self) -> None:
        if self.stories is not None:
            self._fill()

    @on(Input.Submitted, "#stories-filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected, "#stories")
    def _open(self, event: DataTable.RowSelected) -> None:
        sid = str(event.row_key.value)
        story = next((s for s in self.stories or [] if s.id == sid), None)
        self.app.push_screen(TimelineScreen(sid, headline=story.headline if story else ""))


class TimelineScreen(Screen):
    """A story's events in order: date, the quoted sentence, the file; Enter opens the article there."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="timeline.back")]
    FIXED = (10, 14)  # date, file; the sentence takes the rest

    @dataclass
    class Loaded(Message, bubble=False):
        timeline: object

    def __init__(self, story_id: str, *, headline: str = "") -> None:
        super().__init__()
        self.story_id = story_id
        self.headline = headline
        self.timeline = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Timeline: {self.headline or self.story_id}", style="bold"), id="timeline-title")
        yield Static("Loading the timeline…", id="timeline-note")
        yield RowTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("date", width=self.FIXED[0], key="date")
        table.add_column("event (quoted)", width=fit_width(self, self.FIXED), key="text")
        table.add_column("file", width=self.FIXED[1], key="file")
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="timeline")
    def load(self) -> None:
        from bot.core.timeline import timeline

        try:
            t = timeline(self.app.get_index(), self.story_id)
        except Exception as exc:  # noqa: BLE001 - shown in the UI
            self.post_message(Failed.of(exc))
            return
        self.post_message(self.Loaded(t))

    def on_timeline_screen_loaded(self, msg: Loaded) -> None:
        t = self.timeline = msg.timeline
        table = self.query_one(DataTable)
        table.clear()
        for e in t.events:
            short = e.file if len(e.file or "") <= 14 else e.file[:13] + "…"
            table.add_row(Text(e.date or UNDATED), Text(f"“{e.text.strip()}”", overflow="fold"), short,
                          key=str(e.n), height=None)
        self.query_one("#timeline-note", Static).update(Text(
            f"{plural(len(t.events), 'event')}, {t.note}; Enter opens the article at the sentence", style="dim"))

    def on_failed(self, msg: Failed) -> None:
        self.query_one("#timeline-note", Static).update(msg.text())

    @on(DataTable.RowSelected, "#events")
    def _open(self, event: DataTable.RowSelected) -> None:
        if self.timeline is None:
            return
        e = next(x for x in self.timeline.events if str(x.n) == str(event.row_key.value))
        self.app.push_screen(ArticleScreen(e.article_id, quote=e.text, start=e.start, end=e.end,
                                           title=self.headline or e.file))
