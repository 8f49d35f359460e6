"""Screens of the newsbot TUI besides the main one: an article (scrolled to a quote), the library
(live filters, search, ingest with progress), the stories and a story's timeline, the history, and
help. Slow work runs in thread workers that post messages."""

from __future__ import annotations

from bot.errors import NewsbotError


def describe(exc: BaseException) -> tuple[str, str]:
    """(title, what to do) of an error, for the screen."""
    if isinstance(exc, NewsbotError):
        return exc.title, exc.message
    return "Unexpected error", f"{type(exc).__name__}: {exc}"


from bot.tui.screens.article import ArticleScreen  # noqa: E402
from bot.tui.screens.help import HelpScreen  # noqa: E402
from bot.tui.screens.history import HistoryScreen, SessionEntry  # noqa: E402
from bot.tui.screens.library import LibraryScreen  # noqa: E402
from bot.tui.screens.stories import StoriesScreen, TimelineScreen  # noqa: E402

__all__ = ["ArticleScreen", "HelpScreen", "HistoryScreen", "LibraryScreen", "SessionEntry", "StoriesScreen", "TimelineScreen",
           "describe"]
