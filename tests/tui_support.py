"""What the TUI's Pilot tests share: a real index of the seeds (hash embedder), the real app with
the real Answerer and a scripted model, and small waiting helpers. Not a test module."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from textual.css.query import NoMatches

from bot.config import Settings
from tests.fakes import ScriptedModel
from bot.tui.app import MainScreen, build_app

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QUESTION = "Which officials were sanctioned?"
BOTH = "The Treasury Department sanctioned two Chinese government officials, Wang Junzheng and Chen Mingguo."


def cite_both(messages) -> str:
    """A scripted reply that names the evidence sentence (or, for a briefing, cites the passage)
    naming both officials, like a good model."""
    user = messages[-1]["content"]
    blocks = re.split(r"(?m)^\[(\d+)\] ", user)
    n = next((n for n, body in zip(blocks[1::2], blocks[2::2]) if "Wang Junzheng" in body and "Chen Mingguo" in body), "1")
    if "<sentences>" not in user:  # a briefing prompt: passages, [n] markers
        return f"{BOTH} [{n}]"
    return f"Evidence: {n}\nAnswer: {BOTH}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A real index of the seeds (hash embedder: fast), shared read-only by the tests of this module."""
    from tests.fakes import HashEmbedder
    from bot.core.index import Index

    # a roomy prompt budget: the hash embedder ranks loosely, so let every retrieved passage in
    s = Settings(index_dir=tmp_path_factory.mktemp("tui") / "index", prompt_budget=4000, prompt_max=0)
    index = Index(s, embedder=HashEmbedder())
    index.ingest(sorted(SEEDS.glob("*.txt")))
    return s, index


@pytest.fixture
def tui_settings(seeded) -> Settings:
    return seeded[0]


def make(tui_settings, seeded=None, *, index=None, model=None, delay: float = 0.0, briefer=None, chat_model=None):
    """The real app with the real Answerer, a real index and a scripted model; history in the test's dir."""
    from bot.core.answering import Answerer
    from bot.core.history import History

    settings = tui_settings if chat_model is None else tui_settings.model_copy(update={"chat_model": chat_model})
    if index is None:
        from bot.core.index import Index

        index = Index(settings)
    if model is None and chat_model is None:
        model = ScriptedModel([cite_both], delay=delay)
    answerer = Answerer(settings, index=index, model=model, history=History(Path("history.sqlite")))
    return build_app(settings, answerer=answerer, briefer=briefer, index=index, cursor_blink=False), answerer


async def until(pilot, cond, timeout: float = 5.0) -> None:
    t0 = time.monotonic()
    while True:
        try:
            if cond():
                return
        except (NoMatches, LookupError):  # not mounted yet
            pass
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting for the UI")
        await pilot.pause(0.02)


async def ask(pilot, question: str = QUESTION) -> MainScreen:
    main = pilot.app.main
    await until(pilot, lambda: main.index_counts is not None or main.answer_view.state == "error")
    before = main.shown_count
    main.question.value = question
    main.question.focus()
    await pilot.press("enter")
    await until(pilot, lambda: (main.shown_count > before or main.answer_view.state == "error") and not main.busy)
    await pilot.pause()
    return main


def of(posted, cls) -> list:
    """The distinct messages of a class posted (a bubbling message is seen once per node)."""
    return list({id(m): m for m in posted if isinstance(m, cls)}.values())


def text_of(widget) -> str:
    r = widget.render()
    return getattr(r, "plain", str(r))


