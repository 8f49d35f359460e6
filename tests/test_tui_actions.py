"""Pilot tests of what the reader does on the main screen: where focus goes after each action,
the command palette, copying, cancelling (during the prompt too) and asking anew while a run is
going, the stage shown while waiting, the theme."""

from __future__ import annotations

import time

import pytest
from textual.command import CommandPalette

from bot.errors import UsageError
from bot.tui.app import MainScreen, build_app
from bot.tui.commands import ACTIONS
from bot.tui.screens import HistoryScreen, LibraryScreen
from tests.fakes import BatchReadingModel, ScriptedModel
from tests.tui_support import (  # noqa: F401 (fixtures)
    QUESTION, ask, cite_both, make, of, seeded, text_of, tui_settings, until,
)


# -- focus ------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_focus_after_answer_and_refusal_is_the_sources_and_single_keys_never_type(tui_settings, seeded):
    model = ScriptedModel([cite_both, "Evidence: none", cite_both])
    app, _ = make(tui_settings, index=seeded[1], model=model)
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        assert app.focused is main.sources.list  # after an answer
        await pilot.press("slash")
        assert app.focused is main.question and main.question.value == QUESTION  # `/` goes back to the box
        await ask(pilot, "Who won the chess olympiad?")
        assert main.shown[1].refused and app.focused is main.sources.list  # after a refusal: the same place
        await pilot.press("slash", "b")  # `/` then a letter: typed into the box, as asked for
        assert main.question.value.endswith("b") and "/" not in main.question.value
        await pilot.press("escape")  # leaves the box...
        assert app.focused is main.sources.list
        await pilot.press("l")  # ...and a single key acts, never types
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert main.question.value.endswith("b")  # nothing typed into the box


@pytest.mark.anyio
async def test_focus_after_history_reopen_and_error(tui_settings, seeded, tmp_path):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        main.sources.list.focus()
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause()
        assert app.focused is main.sources.list and main.question.value == ""
    app, _ = make(tui_settings, index=seeded[1], chat_model=str(tmp_path / "nope.gguf"))
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        assert main.answer_view.state == "error" and app.focused is main.sources.list


@pytest.mark.anyio
async def test_empty_index_leaves_the_box_so_l_opens_the_library(tmp_path):
    from bot.config import Settings
    from bot.core.index import Index

    settings = Settings(index_dir=tmp_path / "empty")
    app, _ = make(settings, index=Index(settings))
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts == (0, 0))
        await pilot.pause()
        assert app.focused is not main.question
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))
        assert main.question.value == ""


@pytest.mark.anyio
async def test_typing_the_next_question_keeps_the_box_when_an_answer_lands(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1], delay=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.question.value = QUESTION
        main.question.focus()
        await pilot.press("enter")
        main.question.value = "What positions"  # the reader types on while the answer is written
        await until(pilot, lambda: main.answer_view.state == "answer" and not main.busy)
        await pilot.pause()
        assert app.focused is main.question and main.question.value == "What positions"


# -- palette ----------------------------------------------------------------------------------------
def test_the_palette_lists_every_action_of_the_main_screen():
    bound = {b.action for b in MainScreen.BINDINGS if not b.action.startswith("app.")}
    assert bound <= {a for _t, _h, a, _k in ACTIONS}


@pytest.mark.anyio
async def test_palette_runs_actions(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"copy the answer")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.clipboard)
        assert QUESTION in app.clipboard and "Wang Junzheng" in app.clipboard
        main.question.focus()
        await pilot.press("ctrl+p")  # works from the question box too
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"library")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LibraryScreen))


# -- copy -------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_copy_answer_with_citations_and_selected_passage(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(100, 30)) as pilot:
        main = await ask(pilot)
        c = main.shown[1].citations[0]
        await pilot.press("c")
        copied = app.clipboard
        await pilot.press("1", "y")
        passage = app.clipboard
        main.answer_view.text_select_all()  # a mouse selection; Ctrl+C copies it
        await pilot.press("ctrl+c")
        selected = app.clipboard
    assert copied.startswith(f"Q: {QUESTION}\n")
    assert "Wang Junzheng and Chen Mingguo [1]." in copied
    assert "Sources:\n[1] " in copied and f"“{c.quote}”" in copied and c.source_file in copied
    assert "\x1b" not in copied and "[bold" not in copied  # plain text, no markup
    assert passage.startswith(f"[{c.n}] ") and f"“{c.quote}”" in passage and c.source_file in passage
    assert "Wang Junzheng" in selected and selected != passage


# -- cancel and replace ---------------------------------------------------------------------------
@pytest.mark.anyio
async def test_cancel_during_prompt_processing_returns_within_1s(tui_settings, seeded):
    model = BatchReadingModel([cite_both], batches=40, batch_s=0.25)  # a 10 s prompt
    app, _ = make(tui_settings, index=seeded[1], model=model)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.question.value = QUESTION
        main.question.focus()
        await pilot.press("enter")
        await until(pilot, lambda: model.reading and model.batches_read >= 2)
        stage = text_of(main.answer_view)
        t0 = time.monotonic()
        await pilot.press("escape")
        ready = time.monotonic() - t0
        assert not main.busy and "Cancelled." in text_of(main.answer_view)
        await until(pilot, lambda: model.stopped_reading, timeout=1.0)  # and the model stops within a batch
        stopped = time.monotonic() - t0
        assert app.focused is main.sources.list
    assert "Reading" in stage and "evidence sentence" in stage  # the stage was shown while waiting
    assert ready < 1.0 and stopped < 1.0
    assert model.batches_read < 40


@pytest.mark.anyio
async def test_a_new_question_while_one_runs_cancels_and_replaces_it(tui_settings, seeded):
    model = BatchReadingModel([cite_both], batches=40, batch_s=0.25)
    app, _ = make(tui_settings, index=seeded[1], model=model)
    posted = []
    async with app.run_test(size=(100, 30), message_hook=posted.append) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        main.question.value = "Who is Chen Mingguo?"
        main.question.focus()
        await pilot.press("enter")
        await until(pilot, lambda: model.reading)
        model.batches = 1  # the replacing question reads quickly
        t0 = time.monotonic()
        main.question.value = QUESTION
        main.question.focus()
        await pilot.press("enter")
        await until(pilot, lambda: main.answer_view.state == "answer" and not main.busy, timeout=5)
        took = time.monotonic() - t0
        await pilot.pause()
        shown = text_of(main.answer_view)
    assert shown.startswith(f"Q: {QUESTION}") and "Wang Junzheng and Chen Mingguo [1]" in shown
    assert took < 3.0  # the first prompt was abandoned, not read to its end
    assert [e.label for e in main.session if e.cancelled] == ["Who is Chen Mingguo?"]
    assert [e.label for e in main.session if not e.cancelled] == [QUESTION]
    warned = [m for m in posted if type(m).__name__ == "Notify"]
    assert not any("being written" in str(getattr(m, "notification", "")) for m in warned)
    assert model.history[-1][-1]["content"].rstrip().endswith(QUESTION)


@pytest.mark.anyio
async def test_stages_are_shown_while_waiting(tui_settings, seeded):
    model = BatchReadingModel([cite_both], batches=8, batch_s=0.1, delay=0.1)
    app, _ = make(tui_settings, index=seeded[1], model=model)
    seen: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        status = main.query_one("#status")
        main.question.value = QUESTION
        main.question.focus()
        await pilot.press("enter")
        while main.busy:
            seen.append(text_of(main.answer_view).split("\n")[2] if "\n" in text_of(main.answer_view) else "")
            seen.append(text_of(status))
            await pilot.pause(0.03)
    joined = " | ".join(seen)
    assert "Reading" in joined and "Writing" in joined and "Esc cancels" in joined
    first_reading = next(i for i, s in enumerate(seen) if "Reading" in s)
    first_writing = next(i for i, s in enumerate(seen) if "Writing" in s)
    assert first_reading < first_writing


# -- wording, theme ---------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_wording_is_singular_where_it_should_be(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1])
    async with app.run_test(size=(120, 40)) as pilot:
        main = await ask(pilot)
        shown = text_of(main.answer_view)
    assert "1 source" in shown and "source(s)" not in shown and "tokens written" in shown


def test_theme_option(tui_settings):
    app = build_app(tui_settings, theme="nord")
    assert app.theme == "nord"
    with pytest.raises(UsageError):
        build_app(tui_settings, theme="no-such-theme")


@pytest.mark.anyio
async def test_slash_in_the_box_never_types_a_slash_over_the_asked_question(tui_settings, seeded):
    app, _ = make(tui_settings, index=seeded[1], delay=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        await until(pilot, lambda: main.index_counts is not None)
        assert app.focused is main.question
        await pilot.press("slash")  # at start, in the empty box: "ask", not a slash
        assert main.question.value == ""
        await pilot.press(*QUESTION, "enter")  # focus stays in the box while the answer is written
        assert main.busy and app.focused is main.question
        status = text_of(main.query_one("#status"))
        assert status.split(" · ")[0].endswith("Esc cancels")  # what runs comes first: never cut off
        await pilot.press("slash", *"Who")  # `/` selects the asked question; typing replaces it
        assert main.question.value == "Who"
        await pilot.press(*"/7")  # a slash inside a new question is typed
        assert main.question.value == "Who/7"
