"""What MainScreen does with the sources of an answer and the other screens: select a cited
source (1-9, a click on a marker), open its article, open the library, the history (reopening a
saved answer or briefing) and the help. A mixin of `bot.tui.app.MainScreen`, which holds the
answer view, the sources pane and the status line these use."""

from __future__ import annotations

from typing import Any

from bot.tui.screens import ArticleScreen, HelpScreen, HistoryScreen, LibraryScreen
from bot.tui.widgets import AnswerView, SourceList, brief_citations


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

    def action_history(self) -> None:
        self.app.push_screen(HistoryScreen(list(self.session)), self._reopen)

    async def _reopen(self, result: tuple[str, Any] | None) -> None:
        if not result:
            return
        kind, item = result
        if kind == "brief":
            self.answer_view.show_brief(item, item.topic)
            await self.sources.show(brief_citations(item))
        else:
            self.answer_view.show_answer(item)
            await self.sources.show(item.citations)
        self.set_status("")
        self.post_message(self.Shown(kind, item))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())
