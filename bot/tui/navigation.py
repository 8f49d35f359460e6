"""What MainScreen does with the sources of an answer and the other screens: select a cited
source (1-9, a click on a marker), open its article, open the library, the stories, the history
(reopening a saved answer with its thread, or a briefing) and the help. A mixin of `bot.tui.main.MainScreen`,
which holds the answer view, the sources pane and the status line these use."""

from __future__ import annotations

from bot.tui.screens import ArticleScreen, HelpScreen, HistoryScreen, LibraryScreen, SessionEntry, StoriesScreen
from bot.tui.widgets import AnswerView, SourceList


class SourcesAndScreens:
    def action_select_citation(self, n: int) -> None:
        if self.sources.select(n) is None:
            self.notify(f"There is no source [{n}] here.", severity="warning")

    def on_answer_view_marker_clicked(self, msg: AnswerView.MarkerClicked) -> None:
        self.action_select_citation(msg.n)

    def action_open_article(self) -> None:
        c = self.sources.list.selected
        if c is None:
            self.notify("Select a source first (1-9 or the arrows in the Sources pane).", severity="warning")
            return
        self.open_citation(c)

    def on_source_list_open_article(self, msg: SourceList.OpenArticle) -> None:
        self.open_citation(msg.citation)

    def open_citation(self, c) -> None:
        self.app.push_screen(ArticleScreen(c.article_id, quote=c.quote, start=c.start, end=c.end, title=c.title, n=c.n))

    def action_library(self) -> None:
        self.app.push_screen(LibraryScreen())

    def action_stories(self) -> None:
        self.app.push_screen(StoriesScreen())

    def action_history(self) -> None:
        self.app.push_screen(HistoryScreen(list(self.session)), self._reopen)

    async def _reopen(self, entry: SessionEntry | None) -> None:
        if entry is None:
            self.settle_focus()
            return
        # the box held the last question typed: a `b` now would brief it instead of what is shown
        self.question.value = ""
        if entry.kind == "brief" and entry.item is None:  # a briefing cancelled before it had anything
            self.answer_view.show_error("Briefing cancelled", "Press b to brief again.")
            await self.sources.show([], "Sources", "Cancelled before anything was cited.")
            self.settle_focus()
            return
        if entry.kind == "ask" and not entry.cancelled:
            # the thread goes on from the reopened answer: the next question is its follow-up
            self.thread, self.thread_root = list(entry.thread) or [entry.item], entry.root
            self.show_thread()
        await self.show_item(entry.kind, entry.item)
        self.set_status("")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())
