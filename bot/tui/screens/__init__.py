"""Screens of the newsbot TUI besides the main one: an article (scrolled to a quote), the library
(live filters, search, ingest with progress), the stories and a story's timeline, the history, and
help. Slow work runs in thread workers that post messages."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message

from bot.errors import NewsbotError


def describe(exc: BaseException) -> tuple[str, str]:
    """(title, what to do) of an error, for the screen."""
    if isinstance(exc, NewsbotError):
        return exc.title, exc.message
    return "Unexpected error", f"{type(exc).__name__}: {exc}"


@dataclass
class Failed(Message, bubble=False):
    """A screen's worker failed: posted by the worker to its screen (handled as `on_failed`)."""

    title: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> "Failed":
        return cls(*describe(exc))

    def text(self) -> Text:
        return Text(f"{self.title}: {self.message}", style="bold red")


from bot.tui.screens.article import ArticleScreen  # noqa: E402
from bot.tui.screens.help import HelpScreen  # noqa: E402
from bot.tui.screens.history import HistoryScreen, SessionEntry  # noqa: E402
from bot.tui.screens.library import LibraryScreen  # noqa: E402
from bot.tui.screens.stories import StoriesScreen, TimelineScreen  # noqa: E402

__all__ = ["ArticleScreen", "HelpScreen", "HistoryScreen", "LibraryScreen", "SessionEntry", "StoriesScreen", "TimelineScreen",
           "Failed", "describe"]
