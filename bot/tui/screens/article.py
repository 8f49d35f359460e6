"""The whole article, the quoted span highlighted and scrolled into view."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from bot.core.types import ArticleRecord
from bot.tui.screens import Failed
from bot.tui.widgets import ArticleBody, find_quote


class ArticleScreen(Screen):
    """The whole article, the quoted span highlighted and scrolled into view."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="article.back"),
    ]

    @dataclass
    class Loaded(Message, bubble=False):
        article: ArticleRecord
        span: tuple[int, int] | None

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
            self.post_message(Failed.of(exc))
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

    def on_failed(self, msg: Failed) -> None:
        self.query_one("#article-meta", Static).update(msg.text())
