"""The keys, in a window that fits 80×24 (it scrolls when the terminal is smaller)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

HELP = """\
Every sentence is checked against the passage it cites (Checks,
under the answer); the cited passages are on the right.

  /          type a question (Enter asks; a new one replaces a
             running one)
  Esc        cancel what is running; leave the question box
  1-9        select source n (or click a marker, or the arrows)
  Enter, o   open the selected source's article at the quote
  c          copy the answer with its sources (plain text)
  y          copy the selected source's passage
  b          brief the question box's topic, or the newest news
  u          also show sentences that fail the checks (flagged)
  t          start a new thread (the next question stands alone)
  l          library: live filters, search, ingest a path
  s          stories: a story's timeline; Enter opens an event
  h          history: reopen an answer and its thread
  Ctrl+P     command palette: every action, and the theme
  ?          this help          q  quit (Ctrl+Q while typing)
"""


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("Help · Esc closes", id="help-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(HELP, id="help-text")
