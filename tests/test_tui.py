"""Pilot tests of the TUI: they drive the real app (built by `build_app`, like the CLI does) with a
scripted model (the real Answerer, a real index of the seeds with the hash embedder), asserting
on widgets and on the messages posted; plus SVG snapshots of the main screens (cursor blinking
off). Fast: no real model; the real-model run is in test_tui_e2e.py."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from textual.css.query import NoMatches

from bot.config import Settings
from tests.fakes import ScriptedModel
from bot.core.types import Citation
from bot.tui.app import MainScreen, build_app
from bot.tui.screens import ArticleScreen, HelpScreen, HistoryScreen, LibraryScreen
from bot.tui.widgets import QUOTE_STYLE, AnswerView, SourceItem, SourceList

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
    s = Settings(index_dir=tmp_path_factory.mktemp("tui") / "index", prompt_budget=4000)
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
    main.question.value = question
    main.question.focus()
    await pilot.press("enter")
    await until(pilot, lambda: main.answer_view.state in ("answer", "error", "brief") and not main.busy)
    await pilot.pause()
    return main


def of(posted, cls) -> list:
    """The distinct messages of a class posted (a bubbling message is seen once per node)."""
    return list({id(m): m for m in posted if isinstance(m, cls)}.values())


def text_of(widget) -> str:
    r = widget.render()
    return getattr(r, "plain", str(r))


# --------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_ask_streams_then_settles_with_sources(tui_settings, seeded):
    app, answerer = make(tui_settings, index=seeded[1], delay=0.01)
    posted = []
    seen_partial = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts == seeded[1].counts())
        view = main.answer_view
        append = view.append

        def spy(token):  # what the screen shows after each streamed piece
            append(token)
            seen_partial.append(text_of(view))

        view.append = spy
        main.question.value = QUESTION
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.state == "answer")
        await pilot.pause()
        shown = text_of(main.answer_view)
        items = list(main.sources.list.query(SourceItem))
        cards = [text_of(i.query_one(".source-text")) for i in items]
    assert len(answerer.model.history) == 1
    words = answerer.model.history and len(cite_both(answerer.model.history[0]).split("Answer:")[1].split(" ")) - 1
    assert len(seen_partial) == words  # one screen update per streamed piece of the answer (not its evidence numbers)
    assert seen_partial[0].endswith("The▌") and any(p.endswith("Wang Junzheng▌") for p in seen_partial)
    assert "Wang Junzheng and Chen Mingguo [1]." in shown
    assert len(items) == 1 and cards[0].startswith("[1] ") and "Wang Junzheng" in cards[0]
    ready = [m for m in of(posted, MainScreen.AnswerReady)]
    assert len(ready) == 1 and not ready[0].answer.refused
    assert ready[0].answer.to_json() == ready[0].answer.to_json()  # the same object `ask --json` prints
    assert any(m.kind == "ask" for m in of(posted, MainScreen.Shown))


@pytest.mark.anyio
async def test_quote_highlighted_in_source_card(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        item = main.sources.list.query_one(SourceItem)
        c = item.citation
        assert item.expanded
    from bot.tui.widgets import render_source

    for expanded in (True, False):
        rendered = render_source(c, expanded=expanded)
        spans = [rendered.plain[s.start:s.end] for s in rendered.spans if str(s.style) == QUOTE_STYLE]
        assert spans == [c.quote]
    assert "Wang Junzheng" in c.quote and "Chen Mingguo" in c.quote


@pytest.mark.anyio
async def test_number_key_selects_source_and_marker_click(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = await ask(pilot)
        assert app.focused is main.sources.list  # focus moved off the question box: keys work
        posted.clear()
        await pilot.press("1")
        await pilot.pause()
        assert [m.citation.n for m in of(posted, SourceList.CitationSelected)] == [1]
        assert main.sources.list.selected.n == 1
        assert main.sources.list.query_one(SourceItem).expanded
        posted.clear()
        await pilot.press("7")  # no such source: a warning, nothing selected
        await pilot.pause()
        assert not of(posted, SourceList.CitationSelected)
        posted.clear()
        main.answer_view.action_select_marker(1)  # what clicking "[1]" in the answer runs
        await pilot.pause()
        assert any(m.n == 1 for m in of(posted, AnswerView.MarkerClicked))
        assert of(posted, SourceList.CitationSelected)


@pytest.mark.anyio
async def test_open_article_scrolled_to_the_span(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    posted = []
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        main = await ask(pilot)
        c = main.sources.list.selected
        await pilot.press("1", "o")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen) and app.screen.span is not None)
        await pilot.pause(0.1)
        screen = app.screen
        text = seeded[1].article(c.article_id)["text"]
        assert screen.span == (c.start, c.end) and text[c.start:c.end] == c.quote
        body = screen.query_one("#article-body")
        span_para = screen.query_one(".-span")
        assert c.quote in text_of(span_para)
        assert body.scroll_y > 0 and span_para.region.y <= 6  # scrolled: the span is at the top
        assert of(posted, ArticleScreen.Loaded)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("enter")  # Enter on the focused source opens it too
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))


@pytest.mark.anyio
async def test_escape_cancels_the_answer_in_progress(tui_settings, seeded):
    app, answerer = make(tui_settings, index=seeded[1], delay=0.2)
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.question.value = QUESTION
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.raw)
        assert main.busy == "ask"
        await pilot.press("escape")
        await until(pilot, lambda: not main.busy, timeout=3)
        await pilot.pause()
        shown = text_of(main.answer_view)
    assert "Cancelled." in shown
    ready = [m.answer for m in of(posted, MainScreen.AnswerReady)]
    assert ready and ready[0].refusal_reason == "cancelled" and len(ready[0].raw.split()) <= 6  # "Evidence: n Answer:" + 2 words


@pytest.mark.anyio
async def test_missing_model_is_shown_with_what_to_do(tui_settings, seeded, tmp_path):
    app, _ = make(tui_settings, index=seeded[1], chat_model=str(tmp_path / "nope.gguf"))
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = await ask(pilot)
        shown = text_of(main.answer_view)
        assert main.answer_view.state == "error"
    failed = of(posted, MainScreen.WorkFailed)
    assert failed and failed[0].task == "ask"
    assert failed[0].title in shown and failed[0].message in shown
    assert "nope.gguf" in shown


@pytest.mark.anyio
async def test_empty_index_says_how_to_fill_it(tmp_path):
    from bot.core.index import Index

    settings = Settings(index_dir=tmp_path / "empty")
    app, _ = make(settings, index=Index(settings))
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts == (0, 0))
        await pilot.pause()
        shown = text_of(main.answer_view)
        assert "The index is empty." in shown and "Library" in shown and "newsbot ingest" in shown
        main.question.value = QUESTION
        main.question.focus()
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.state == "error")
        assert "newsbot ingest" in text_of(main.answer_view)


@pytest.mark.anyio
async def test_brief_shows_paragraph_sources_and_differences(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])  # the app builds the real Briefer on the same model
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("b")
        await until(pilot, lambda: main.answer_view.state in ("brief", "error"), timeout=15)
        await pilot.pause()
        shown = text_of(main.answer_view)
        brief = of(posted, MainScreen.BriefReady)[0].brief
        cards = [text_of(i.query_one(".source-text")) for i in main.sources.list.query(SourceItem)]
        await pilot.press("2")
        await pilot.pause()
        assert main.sources.list.selected.n == 2
    assert shown.startswith("Briefing: the newest articles")
    assert "Wang Junzheng and Chen Mingguo [1]" in shown
    assert len(cards) == len(brief.citations) >= 2 and cards[1].startswith("[2] ")
    if brief.differences:  # the two seeds list different partners: shown with their sources
        assert "Where outlets differ" in shown and brief.differences[0]["detail"] in shown


@pytest.mark.anyio
async def test_escape_cancels_a_briefing(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1], delay=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("b")
        await until(pilot, lambda: main.answer_view.raw, timeout=15)
        await pilot.press("escape")
        await until(pilot, lambda: not main.busy, timeout=5)
        assert "Briefing cancelled" in text_of(main.answer_view)


@pytest.mark.anyio
async def test_brief_unavailable_is_explained(tui_settings, seeded, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "bot.core.briefing", None)  # import fails like a missing module
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("b")
        await until(pilot, lambda: main.answer_view.state == "error")
        assert "Briefings not available" in text_of(main.answer_view)


@pytest.mark.anyio
async def test_library_filters_and_ingest_with_progress(tmp_path):
    from tests.fakes import HashEmbedder
    from bot.core.index import Index

    settings = Settings(index_dir=tmp_path / "lib")
    index = Index(settings, embedder=HashEmbedder())
    app, _ = make(settings, index=index)
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        await until(pilot, lambda: app.main.index_counts == (0, 0))
        app.main.sources.list.focus()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        screen = app.screen
        table = screen.query_one("#articles")
        await until(pilot, lambda: "index is empty" in text_of(screen.query_one("#library-status")))
        screen.query_one("#ingest-path").value = str(SEEDS)
        screen.query_one("#ingest-path").focus()
        await pilot.press("enter")
        await until(pilot, lambda: of(posted, LibraryScreen.Ingested) and table.row_count == 2, timeout=20)
        await pilot.pause()
        assert "Ingest done: added: 2" in text_of(screen.query_one("#library-status"))
        screen.query_one("#filter-since").value = "2021-03-01"
        screen.query_one("#filter-since").focus()
        await pilot.press("enter")
        await until(pilot, lambda: table.row_count == 1)  # only one seed has a date
        table.focus()
        await pilot.press("enter")  # opens the article of the row
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen) and app.screen.query(".paragraph"))
        await pilot.press("escape", "escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.main.index_counts[0] == 2)
    progress = of(posted, LibraryScreen.IngestProgress)
    assert progress and progress[-1].done == progress[-1].total == 2


@pytest.mark.anyio
async def test_history_reopens_an_answer(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        main.question.value = "Something else?"
        main.answer_view.notice("cleared")
        main.sources.list.focus()
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await until(pilot, lambda: app.screen.saved)  # the saved history (this answer was saved too)
        await pilot.press("down", "enter")  # the first entry of this session
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and main.answer_view.state == "answer")
        await pilot.pause()
        assert "Wang Junzheng" in text_of(main.answer_view)
        assert len(main.sources.list.query(SourceItem)) == 1


@pytest.mark.anyio
async def test_history_reopens_a_saved_answer_from_an_earlier_session(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        await ask(pilot)
    app, _ = make(tui_settings, index=seeded[1])  # a new session, same history file
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.saved)
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and main.answer_view.state == "answer")
        await pilot.pause()
        assert "Wang Junzheng" in text_of(main.answer_view)
        assert len(main.sources.list.query(SourceItem)) == 1


@pytest.mark.anyio
async def test_help_screen(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.main.index_counts is not None)
        app.main.sources.list.focus()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


def test_cli_builds_the_app_without_running_the_core_in_the_ui_thread(monkeypatch, tmp_path):
    """`newsbot tui --index DIR --model NAME` builds the app with those settings (run is stubbed)."""
    import bot.tui.app as tui_app
    from bot.cli.app import main

    seen = {}
    monkeypatch.setattr(tui_app.NewsbotApp, "run", lambda self: seen.update(settings=self.settings))
    with pytest.raises(SystemExit) as exc:
        main(["tui", "--index", str(tmp_path / "ix"), "--model", "some-model"])
    assert exc.value.code == 0
    assert seen["settings"].index_dir == tmp_path / "ix" and seen["settings"].chat_model == "some-model"


# -- snapshots ---------------------------------------------------------------------------------
async def _answered(pilot):
    await ask(pilot)


async def _article(pilot):
    await ask(pilot)
    await pilot.press("1", "o")
    await until(pilot, lambda: isinstance(pilot.app.screen, ArticleScreen) and pilot.app.screen.span is not None)
    await pilot.pause(0.1)


async def _ready(pilot):
    await until(pilot, lambda: pilot.app.main.index_counts is not None)
    pilot.app.main.sources.list.focus()


async def _library(pilot):
    await _ready(pilot)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(pilot.app.screen, LibraryScreen)
                and pilot.app.screen.query_one("#articles").row_count == 2)


def test_snapshot_welcome(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda p: until(p, lambda: p.app.main.index_counts))


def test_snapshot_answer_80x24(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    assert snap_compare(app, terminal_size=(80, 24), run_before=_answered)


def test_snapshot_answer_120x40(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    assert snap_compare(app, terminal_size=(120, 40), run_before=_answered)


def test_snapshot_article(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    assert snap_compare(app, terminal_size=(80, 24), run_before=_article)


def test_snapshot_library(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    assert snap_compare(app, terminal_size=(100, 30), run_before=_library)


def test_snapshot_help(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])

    async def _help(pilot):
        await _ready(pilot)
        await pilot.press("question_mark")

    assert snap_compare(app, terminal_size=(80, 24), run_before=_help)


@pytest.mark.anyio
async def test_questions_in_a_row_form_a_thread_and_t_starts_a_new_one(tui_settings, seeded):
    app, answerer = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        for q in (QUESTION, "What positions do they hold?"):
            main.question.value = q
            main.question.focus()
            await pilot.press("enter")
            await until(pilot, lambda: main.answer_view.state == "answer" and not main.busy)
        follow_up = main.thread[-1]
        assert len(main.thread) == 2 and main.thread_root is not None
        assert follow_up.standalone.startswith("What positions do Wang Junzheng") and follow_up.conversation == main.thread_root
        assert "searched for" in text_of(main.answer_view) or "thread of 2" in main.query_one("#answer-pane").border_title
        assert follow_up.standalone in answerer.model.history[-1][-1]["content"]
        main.sources.list.focus()
        await pilot.press("t")
        assert main.thread == [] and main.thread_root is None
