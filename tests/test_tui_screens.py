"""Pilot tests of the TUI's other views: history (reopening an answer with its thread, cancelled
runs listed), the library (live filters, search, fit at 80 columns), briefings (outlet labels,
counts), the checks view, help at 80×24, every screen's keys in its footer."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer, OptionList

from bot.config import Settings
from bot.core.types import Brief, Citation, Sentence
from bot.tui.app import MainScreen
from bot.tui.screens import ArticleScreen, HelpScreen, HistoryScreen, LibraryScreen
from bot.tui.widgets import SourceItem
from tests.fakes import ScriptedModel
from tests.tui_support import (  # noqa: F401 (fixtures)
    BOTH, QUESTION, SEEDS, ask, cite_both, make, of, seeded, text_of, tui_settings, until,
)

FOLLOW_UP = "What positions do they hold?"


# -- briefings --------------------------------------------------------------------------------
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
        extras = main.brief_extras.plain
        brief = of(posted, MainScreen.BriefReady)[0].brief
        cards = [text_of(i.query_one(".source-text")) for i in main.sources.list.query(SourceItem)]
        title = main.sources.border_title
        await pilot.press("2")
        await pilot.pause()
        assert main.sources.list.selected.n == 2
    assert shown.startswith("Briefing: the newest articles")
    assert "Wang Junzheng" in shown and "[1]" in shown  # the briefing's checked sentences, with their markers
    assert all(" ".join(s.text.split()[:4]) in shown for s in brief.sentences)
    assert len(cards) == len(brief.citations) >= 2 and cards[1].startswith("[2] ")
    assert f"{len(brief.citations)} passages cited" in extras and title == f"Sources ({len(brief.citations)})"
    if brief.differences:  # the two seeds list different partners: shown with their sources
        assert "Where outlets differ" in extras and brief.differences[0]["detail"] in extras


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


# -- library --------------------------------------------------------------------------------
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


# -- threads and history ----------------------------------------------------------------------
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
        assert "Searched for" in text_of(main.answer_view) or "thread of 2" in main.query_one("#answer-pane").border_title
        assert follow_up.standalone in answerer.model.history[-1][-1]["content"]
        main.sources.list.focus()
        await pilot.press("t")
        assert main.thread == [] and main.thread_root is None


async def _history(pilot):
    app = pilot.app
    app.main.sources.list.focus()
    await pilot.press("h")
    await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.saved)
    await pilot.pause()
    return app.screen


@pytest.mark.anyio
async def test_history_reopens_an_answer_with_its_thread_and_clears_the_question_box(tui_settings, seeded):
    app, answerer = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        await ask(pilot, FOLLOW_UP)
        root = main.thread_root
        main.sources.list.focus()
        await pilot.press("t")  # a new thread, then a question alone
        await ask(pilot, "Did all outlets list the same allies?")
        assert len(main.thread) == 1
        main.question.value = "a topic typed but not asked"
        screen = await _history(pilot)
        ol = screen.query_one(OptionList)
        first = ol.get_option_at_index(ol.highlighted)
        assert ol.highlighted == 1 and "allies" in str(first.prompt)  # the newest entry, highlighted at once
        await pilot.press("down", "enter")  # the follow-up
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and main.shown and main.shown[1].question == FOLLOW_UP)
        await pilot.pause()
        assert main.question.value == ""  # `b` now briefs the newest news, not the old typed text
        assert [a.question for a in main.thread] == [QUESTION, FOLLOW_UP] and main.thread_root == root
        assert "thread of 2" in main.query_one("#answer-pane").border_title
        assert app.focused is main.sources.list
        await ask(pilot, "When were they sanctioned?")  # goes on from the reopened thread
        assert answerer.model.history and main.thread[-1].conversation == root and len(main.thread) == 3


@pytest.mark.anyio
async def test_history_reopens_a_saved_thread_from_an_earlier_session(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        await ask(pilot)
        await ask(pilot, FOLLOW_UP)
        root = app.main.thread_root
    app, _ = make(tui_settings, index=seeded[1])  # a new session, same history file
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        screen = await _history(pilot)
        ol = screen.query_one(OptionList)
        assert "↳" in str(ol.get_option_at_index(ol.highlighted).prompt)  # a follow-up is marked
        await pilot.press("enter")  # the newest saved entry: the follow-up
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and main.answer_view.state == "answer")
        await pilot.pause()
        assert "Wang Junzheng" in text_of(main.answer_view) or main.shown[1].question == FOLLOW_UP
        assert [a.question for a in main.thread] == [QUESTION, FOLLOW_UP] and main.thread_root == root
        assert len(main.sources.list.query(SourceItem)) >= 1


@pytest.mark.anyio
async def test_history_lists_cancelled_runs(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1], delay=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.question.value = QUESTION
        main.question.focus()
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.raw)
        await pilot.press("escape")
        main.sources.list.focus()
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        screen = app.screen
        ol = screen.query_one(OptionList)
        prompts = [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]
        assert any(QUESTION in p and "(cancelled)" in p for p in prompts)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause()
        assert "Cancelled." in text_of(main.answer_view)
        assert main.thread == []  # a cancelled run is not part of a thread


# -- checks view ---------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_checks_view_shows_evidence_and_each_check(tui_settings, seeded):
    model = ScriptedModel([cite_both], judge=0.9)
    app, _ = make(tui_settings, index=seeded[1], model=model)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await ask(pilot)
        shown = text_of(main.answer_view)
        answer = main.shown[1]
    s = answer.sentences[0]
    assert s.evidence and s.checks
    assert "Checks" in shown and "✓ Sentence 1 cites [1]" in shown
    flat = " ".join(shown.split())  # the evidence wraps, indented under its sentence
    assert " ".join(f"evidence: “{s.evidence[0]}”".split()) in flat
    assert "✓ every name, number and date is in the evidence" in shown or "✓ quoted verbatim" in shown
    assert "(p=0.90, 0.70 above" in shown  # the judge's check, with its probability and score


@pytest.mark.anyio
async def test_a_refusal_says_why_and_lists_the_closest_passages(tui_settings, seeded):
    model = ScriptedModel(["Evidence: none"], judge=0.9)
    app, _ = make(tui_settings, index=seeded[1], model=model)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await ask(pilot, "Who won the 1998 chess olympiad in Elista?")
        shown = text_of(main.answer_view)
        answer = main.shown[1]
        assert app.focused is main.sources.list  # focus settles on the Sources, as after an answer
        why_empty = main.sources.empty_reason
    assert answer.refused
    assert "Why no answer: " in shown and "Closest passages:" in shown
    assert any(p.source_file in shown for p in answer.retrieved[:3])
    assert "refusal cites nothing" in why_empty  # the empty Sources pane says why


@pytest.mark.anyio
async def test_unchecked_sentences_shown_with_u_stay_flagged(tui_settings, seeded):
    extra = " Santa Claus announced 75 sanctions on 3 December 1990."  # no evidence holds it: dropped unless `u`
    model = ScriptedModel([lambda m: cite_both(m) + extra], judge=0.9)
    app, _ = make(tui_settings, index=seeded[1], model=model)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.sources.list.focus()
        await pilot.press("u")
        assert main.keep_unsupported
        await ask(pilot)
        shown = text_of(main.answer_view)
        answer = main.shown[1]
    flagged = [s for s in answer.sentences if not s.supported]
    assert flagged and "Santa Claus" in flagged[0].text
    assert "⚠ unchecked: Santa Claus announced 75 sanctions" in shown
    assert f"✗ Sentence {answer.sentences.index(flagged[0]) + 1}" in shown and "⚠ unchecked" in shown.split("Checks", 1)[1]


# -- briefing view (a Brief given directly: the view, not the briefer) ---------------------------
def _brief() -> Brief:
    def cite(n, outlet, file):
        return Citation(n, f"a{n}", f"Title {n}", outlet, "2021-03-22", file, f"a{n}:0", "passage text", "quote", 0, 5)

    long_lead = "The United States on Monday sanctioned two Chinese officials over the treatment of Uyghurs in"
    return Brief(topic="sanctions", paragraph="Officials were sanctioned [1].",
                 sentences=[Sentence("Officials were sanctioned.", [1], True)],
                 citations=[cite(1, None, "001_f1ab6b9cd4ab454a.txt"), cite(2, "Reuters", "002.txt"), cite(3, None, "003.txt")],
                 articles_used=[{"id": "a1"}, {"id": "a2"}],
                 differences=[{"detail": "the allies named", "versions": [
                     {"outlet": long_lead, "text": "Canada and the United Kingdom " * 6, "citation": 1},
                     {"outlet": "Reuters", "text": "the United Kingdom, Canada and European Union", "citation": {"n": 2}}]}])


@pytest.mark.anyio
async def test_briefing_view_labels_outlets_indents_versions_and_counts_consistently(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(80, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        await main.show_item("brief", _brief())
        await pilot.pause()
        extras = main.brief_extras.plain
        versions = list(main.brief_extras.query(".diff-version"))
        lefts = {v.content_region.x for v in versions}
        heights = [v.size.height for v in versions]
        title = main.sources.border_title
    assert "001_f1ab6b9cd4ab454a.txt: Canada" in extras and "Reuters: the United Kingdom, Canada and European Union [2]" in extras
    assert "The United States on Monday" not in extras  # not a truncated lead sentence
    assert len(lefts) == 1 and heights[0] > 1  # a wrapped version keeps its indentation on every line
    assert "3 passages cited from 2 articles" in extras and title == "Sources (3)"


# -- help, footers --------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_help_fits_80x24(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.main.index_counts is not None)
        app.main.sources.list.focus()
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        scroll = screen.query_one("#help-scroll")
        box = screen.query_one("#help-box")
        assert scroll.max_scroll_y == 0  # every line shows: nothing cut, nothing to scroll
        assert box.region.bottom <= 24 and "Ctrl+P" in text_of(screen.query_one("#help-text"))


@pytest.mark.anyio
async def test_every_screen_shows_its_keys_in_the_footer(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(120, 40)) as pilot:
        main = await ask(pilot)

        def shown_keys():
            return {b.binding.description for b in app.screen.active_bindings.values() if b.binding.show}

        assert app.screen.query(Footer) and {"Ask", "Open", "Copy", "Brief", "Library", "History", "Help"} <= shown_keys()
        assert "Cancel" not in shown_keys()  # shown only while there is something to cancel (or a box to leave)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert app.screen.query(Footer) and {"Back", "Open", "Search"} <= shown_keys()
        await pilot.press("escape", "h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert app.screen.query(Footer) and {"Back", "Reopen with its thread"} <= shown_keys()
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        main.sources.list.focus()
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
        assert app.screen.query(Footer) and "Back" in shown_keys()


# -- library: live filters, search, 80 columns ------------------------------------------------------
@pytest.mark.anyio
async def test_library_filters_live_searches_words_and_fits_80_columns(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.main.index_counts is not None)
        app.main.sources.list.focus()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen) and app.screen.query_one("#articles").row_count == 2)
        screen = app.screen
        table = screen.query_one("#articles")
        widths = sum(c.get_render_width(table) for c in table.columns.values())
        assert widths <= 80 and table.max_scroll_x == 0  # every column on screen, no sideways scroll
        assert [c.label.plain for c in table.columns.values()] == ["date", "outlet", "title", "file", "story"]
        heights = [table.rows[k].height for k in table.rows]
        assert max(heights) > 1  # a long title wraps instead of being cut
        since = screen.query_one("#filter-since")
        since.focus()
        await pilot.press(*"2021-03-01")  # typed, no Enter: applies live
        await until(pilot, lambda: table.row_count == 1)
        since.value = ""
        await until(pilot, lambda: table.row_count == 2)
        words = screen.query_one("#filter-words")
        words.focus()
        await pilot.press(*"Uyghur")  # a word of the text, not only of a title
        await until(pilot, lambda: table.row_count >= 1 and "article" in text_of(screen.query_one("#library-status")))
        words.value = "no such word anywhere zzzq"
        await until(pilot, lambda: table.row_count == 0)
        assert "No article matches" in text_of(screen.query_one("#library-status"))
        words.value = ""
        await until(pilot, lambda: table.row_count == 2)
        table.focus()
        await pilot.press("enter")  # Enter opens (shown in the footer)
        await until(pilot, lambda: isinstance(app.screen, ArticleScreen))
