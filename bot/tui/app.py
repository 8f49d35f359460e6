"""The newsbot TUI: each answer next to the passages it cites.

`build_app(settings, answerer=None, briefer=None, index=None)` builds the app for the CLI
(`newsbot tui`) and for the tests. The app uses the same core objects as `ask --json` and
`brief --json` (`Answerer.ask` → `Answer`, `Briefer.brief` → `Brief`): there is no second
pipeline. Constructors are cheap; the index, the model and the briefer are opened on first use
inside thread workers, which report back with messages, so the UI never freezes.

The screens: `bot.tui.main` (question, answer, sources), `bot.tui.screens` (article, library,
history, help); the palette's commands: `bot.tui.commands`.
"""

from __future__ import annotations

import threading
from typing import Iterable

from textual.app import App, SystemCommand
from textual.screen import Screen

from bot.errors import NewsbotError, UsageError
from bot.tui.commands import main_screen_commands
from bot.tui.main import EXAMPLE, MainScreen  # noqa: F401 (the tests and the CLI import them from here)

DEFAULT_THEME = "textual-dark"


class NewsbotApp(App):
    """Holds the shared services (index, answerer, briefer, history), opened lazily and
    thread-safely; the screens do the rest."""

    CSS_PATH = "app.tcss"
    TITLE = "newsbot"
    ENABLE_COMMAND_PALETTE = True  # Ctrl+P: every action (bot.tui.commands), the theme, the keys

    def __init__(self, settings, answerer=None, briefer=None, index=None, history=None, *,
                 cursor_blink: bool = True, theme: str | None = None):
        super().__init__()
        from bot.core.session import Services

        self.settings = settings
        # one Services for everything the screens do: the index, model and history are opened once
        # and the answerer and briefer take turns with the model (a given answerer brings its own)
        self.services = answerer.services if answerer is not None else Services(settings, index=index, history=history)
        self._answerer = answerer
        self._briefer = briefer
        self._lock = threading.RLock()
        self.cursor_blink = cursor_blink
        if theme:
            if theme not in self.available_themes:
                raise UsageError("Unknown theme", f"{theme!r}; choose one of: {', '.join(sorted(self.available_themes))}.")
            self.theme = theme

    @property
    def model_label(self) -> str:
        model = self.services.loaded_model
        name = model.name if model is not None else None
        if name:
            return name
        return f"{self.settings.chat_model}@{self.settings.llm_url}" if self.settings.llm_url else self.settings.chat_model

    def get_default_screen(self) -> Screen:
        return MainScreen()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from main_screen_commands(self, screen)
        yield from super().get_system_commands(screen)

    @property
    def main(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("main screen not mounted")

    # -- services (called from worker threads) -------------------------------------------------
    def get_index(self):
        return self.services.index

    def get_answerer(self):
        with self._lock:
            if self._answerer is None:
                from bot.core.answering import Answerer

                self._answerer = Answerer(self.settings, services=self.services)
            return self._answerer

    def get_briefer(self):
        with self._lock:
            if self._briefer is None:
                try:
                    from bot.core.briefing import Briefer
                except ImportError:
                    raise NewsbotError("Briefings not available",
                                       "this build of newsbot has no briefing module yet; ask a question instead.") from None
                self._briefer = Briefer(self.settings, services=self.services)
            return self._briefer

    def get_history(self):
        return self.services.history

    def cancel_generation(self) -> None:
        """Stop the answer or briefing in progress (safe from any thread)."""
        self.services.cancel()
        if self._briefer is not None:  # a briefer given from outside may have its own services
            self._briefer.cancel()

    def check_index(self) -> None:
        self.main.check_index()

    async def action_quit(self) -> None:
        self.cancel_generation()  # a generating worker thread stops at its next token or prompt batch
        self.exit()


def build_app(settings, answerer=None, briefer=None, index=None, *, history=None, cursor_blink: bool = True,
              theme: str | None = None) -> NewsbotApp:
    """The one way to build the TUI, for the CLI and the tests."""
    return NewsbotApp(settings, answerer=answerer, briefer=briefer, index=index, history=history,
                      cursor_blink=cursor_blink, theme=theme)
