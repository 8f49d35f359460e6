"""The command palette (Ctrl+P): every action of the main screen, by name, plus textual's own
(theme, keys, quit). Each entry runs the same action as its key."""

from __future__ import annotations

from typing import Iterable

from textual.app import SystemCommand
from textual.screen import Screen

# (title, help, action on the main screen, its key)
ACTIONS: list[tuple[str, str, str, str]] = [
    ("Ask a question", "Go to the question box", "focus_question", "/"),
    ("Cancel", "Stop the answer or briefing being written", "cancel", "Esc"),
    ("Open the selected source", "The whole article, scrolled to the quote", "open_article", "o"),
    ("Copy the answer", "The answer with its sources, quotes and files, as plain text", "copy_answer", "c"),
    ("Copy the selected passage", "The selected source's passage with its quote and file", "copy_passage", "y"),
    ("Brief", "One cited paragraph on the question box's topic, or the newest articles", "brief", "b"),
    ("Show unchecked sentences", "Toggle: also show sentences that fail the checks, flagged", "toggle_unchecked", "u"),
    ("New thread", "The next question stands alone (not a follow-up)", "new_thread", "t"),
    ("Library", "Filter and search the articles; ingest a file or folder", "library", "l"),
    ("Stories", "The articles grouped by event; Enter shows a story's timeline", "stories", "s"),
    ("History", "Reopen an earlier answer with its thread, or a briefing", "history", "h"),
    ("Help", "All the keys", "help", "?"),
] + [(f"Select source {n}", f"Select and expand cited passage [{n}]", f"select_citation({n})", str(n)) for n in range(1, 10)]


def main_screen_commands(app, screen: Screen) -> Iterable[SystemCommand]:
    """The main screen's actions as palette commands (none while another screen is on top)."""
    from bot.tui.main import MainScreen

    main = screen if isinstance(screen, MainScreen) else None
    if main is None:
        return
    for title, help_text, action, key in ACTIONS:
        yield SystemCommand(f"{title} ({key})", help_text, _runner(main, action))


def _runner(screen: Screen, action: str):
    async def run() -> None:
        await screen.run_action(action)

    return run
