"""Pilot tests of the TUI: they drive the real app (built by `build_app`, like the CLI does) with a
scripted model (the real Answerer, a real index of the seeds with the hash embedder), asserting
on widgets and on the messages posted; plus SVG snapshots of the main screens (cursor blinking
off). Fast: no real model; the real-model run is in test_tui_e2e.py. The focus, palette, copy and
cancel tests are in test_tui_actions.py, the other screens' in test_tui_screens.py."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.tui.app import MainScreen
from bot.tui.screens import ArticleScreen, HelpScreen, HistoryScreen, LibraryScreen
from bot.tui.widgets import QUOTE_STYLE, AnswerView, SourceItem, SourceList
from tests.tui_support import (  # noqa: F401 (fixtures)
    QUESTION, ask, cite_both, make, of, seeded, text_of, tui_settings, until,
)


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
        assert not main.busy and "Cancelled." in text_of(main.answer_view)  # at once, not when the model stops
        await until(pilot, lambda: of(posted, MainScreen.AnswerReady), timeout=3)  # the worker stops too
        await pilot.pause()
        shown = text_of(main.answer_view)
    assert "Cancelled." in shown and "Press / to ask again." in shown
    ready = [m.answer for m in of(posted, MainScreen.AnswerReady)]
    assert ready and ready[0].refusal_reason == "cancelled" and len(ready[0].raw.split()) <= 6  # "Evidence: n Answer:" + 2 words
    assert len(answerer.model.history) == 1


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




def test_snapshot_refusal_80x24(snap_compare, tui_settings, seeded):
    from tests.fakes import ScriptedModel

    app, _ = make(tui_settings, index=seeded[1], model=ScriptedModel(["Evidence: none"]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=lambda p: ask(p, "Who won the chess olympiad?"))


def test_snapshot_library_80x24(snap_compare, tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    assert snap_compare(app, terminal_size=(80, 24), run_before=_library)


def test_snapshot_history(snap_compare, tui_settings, seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a history of this test's own
    app, _ = make(tui_settings, index=seeded[1])

    async def _history(pilot):
        await ask(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen) and pilot.app.screen.saved)
        # the saved rows carry their time: keep only this session's rows for a stable picture
        pilot.app.screen.saved = []
        pilot.app.screen._fill()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=_history)


def test_snapshot_briefing_view(snap_compare, tui_settings, seeded):
    from tests.test_tui_screens import _brief

    app, _ = make(tui_settings, index=seeded[1])

    async def _shown(pilot):
        await _ready(pilot)
        await pilot.app.main.show_item("brief", _brief())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 30), run_before=_shown)
